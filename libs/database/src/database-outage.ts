import { Injectable, Logger } from '@nestjs/common';

/** SQLSTATE codes that mean "no database to talk to" (class 08 connection exceptions, shutdown, start-up, crowding). */
const UNREACHABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300']);
const UNREACHABLE_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'EPIPE',
]);
const UNREACHABLE_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Connection ended unexpectedly',
  'the database system is',
];

/** While the database is away, background loops try again after this long at first, doubling up to the cap. */
export const OUTAGE_RETRY_MIN_MS = 250;
export const OUTAGE_RETRY_MAX_MS = 5_000;

/** True when `error` (a pg or TypeORM error, or one wrapping it) says the database cannot be reached, not a query's fault. */
export function isDatabaseUnreachable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e !== null && typeof e === 'object' && depth < 4; depth += 1) {
    const { code, message, driverError, cause } = e as {
      code?: unknown;
      message?: unknown;
      driverError?: unknown;
      cause?: unknown;
    };
    if (
      typeof code === 'string' &&
      (UNREACHABLE_ERRNOS.has(code) || UNREACHABLE_STATES.has(code) || code.startsWith('08'))
    )
      return true;
    if (typeof message === 'string' && UNREACHABLE_MESSAGES.some((text) => message.includes(text))) return true;
    if (
      (e as { errors?: unknown }).errors instanceof Array &&
      (e as { errors: unknown[] }).errors.some(isDatabaseUnreachable)
    )
      return true;
    e = driverError ?? cause;
  }
  return false;
}

function reasonOf(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' && message !== '' ? message : String(error);
  return typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text;
}

/**
 * The replica's one view of a database outage, for its background loops (lane claims, the wake-up listener, probes,
 * sweeps): the first failure that says the database is unreachable is told once at warn with its reason, the next
 * success once at info with how long it lasted, and meanwhile the loops back off (250 ms doubling to 5 s) instead of
 * failing, and logging, several times a second. GET /health/ready stays the signal an orchestrator reads.
 */
@Injectable()
export class DatabaseOutage {
  private readonly logger = new Logger('Database');
  private downSince: number | null = null;
  private retryMs = OUTAGE_RETRY_MIN_MS;
  private nextTryAt = 0;

  get isDown(): boolean {
    return this.downSince !== null;
  }

  /** False while a loop should wait before touching the database again. */
  mayTry(now = Date.now()): boolean {
    return this.downSince === null || now >= this.nextTryAt;
  }

  /**
   * A background task failed. True when the error was the database being away: it is told (once per outage) and the
   * caller should say nothing more; false for any other error, which is the caller's to log.
   */
  failed(error: unknown, now = Date.now()): boolean {
    if (!isDatabaseUnreachable(error)) return false;
    this.down(reasonOf(error), now);
    return true;
  }

  /** The database is away (a failed readiness ping, or an error `failed` recognised), for the reason given. */
  down(reason: string, now = Date.now()): void {
    if (this.downSince === null) {
      this.downSince = now;
      this.retryMs = OUTAGE_RETRY_MIN_MS;
      this.logger.warn(
        { reason },
        'The database is unreachable: lane work waits and is tried again with backoff (up to every 5 s); /health/ready answers 503 until it is back',
      );
    } else {
      this.retryMs = Math.min(this.retryMs * 2, OUTAGE_RETRY_MAX_MS);
    }
    this.nextTryAt = now + this.retryMs;
  }

  /** A background task reached the database: an outage under way is over. */
  answered(now = Date.now()): void {
    if (this.downSince === null) return;
    const seconds = Math.round((now - this.downSince) / 100) / 10;
    this.downSince = null;
    this.retryMs = OUTAGE_RETRY_MIN_MS;
    this.logger.log({ downSeconds: seconds }, `The database answers again, after ${seconds} s; lane work resumes`);
  }
}
