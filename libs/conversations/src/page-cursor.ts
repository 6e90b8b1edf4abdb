import { AppError, ErrorCode } from '#common';

/** Keyset position: a timestamp in whole microseconds since the epoch (exact, unlike a JS Date) and a row id. */
export interface PagePosition {
  micros: string;
  id: string;
}

const CURSOR = /^(\d{1,19}):(.{1,64})$/s;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/**
 * The SQL turns the position into a timestamp through a float8 (`$3::bigint * interval '1 microsecond'`): past 2^53
 * it is no longer exact, and far past it PostgreSQL refuses the interval. No real position comes near (2^53 µs after
 * the epoch is in the year 2255).
 */
const MAX_MICROS = BigInt(Number.MAX_SAFE_INTEGER);

export function encodeCursor(position: PagePosition): string {
  return Buffer.from(`${position.micros}:${position.id}`, 'utf8').toString('base64url');
}

function malformed(reason: string): AppError {
  return new AppError(ErrorCode.VALIDATION_FAILED, 'The request is invalid: check cursor.', [
    { field: 'cursor', message: `cursor must be a nextCursor value from a previous page${reason}` },
  ]);
}

/** Checks everything the SQL will cast (bigint, timestamp, uuid), so a forged cursor is a 400, never a 500. */
export function decodeCursor(cursor: string): PagePosition {
  if (!/^[A-Za-z0-9_-]*$/.test(cursor)) throw malformed('');
  const match = CURSOR.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw malformed('');
  const [, micros, id] = match;
  if (BigInt(micros) > MAX_MICROS) throw malformed(': its position is out of range');
  if (!UUID.test(id)) throw malformed(': its row id is not a uuid');
  return { micros: String(BigInt(micros)), id };
}
