import type { LoggerService } from '@nestjs/common';
import pino from 'pino';
import { prettyFactory } from 'pino-pretty';
import type { AppConfig, LogFormat } from '../config/app-config.js';
import type { LogDestination } from './redact.js';

/** LOG_FORMAT, or by default: pretty in development when stdout is a terminal (a person reads it), JSON elsewhere. */
export function logFormatOf(config: AppConfig, isTerminal = process.stdout.isTTY === true): LogFormat {
  return config.logFormat ?? (config.nodeEnv === 'development' && isTerminal ? 'pretty' : 'json');
}

/**
 * Standard output in the configured format: JSON lines as pino writes them, or pino-pretty's single lines (its own
 * formatter, run in-process on each JSON line after redaction, so what is hidden in JSON is hidden here too).
 */
export function stdoutDestination(format: LogFormat): LogDestination {
  const stdout = pino.destination({ fd: 1, sync: false });
  if (format === 'json') return stdout;
  const pretty = prettyFactory({
    colorize: true,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,context,req.headers,req.remoteAddress',
    messageFormat: '{if context}[{context}] {end}{msg}',
  });
  return { write: (line: string) => stdout.write(pretty(line)) };
}

/** Nest's own start-up detail (each module initialised, each controller and route mapped): debug, not info. */
const STARTUP_DETAIL = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer']);

/** Nest's logger, with its start-up detail moved to debug: a start at info shows the banner, not 40 route lines. */
export class QuietStartupLogger implements LoggerService {
  constructor(private readonly inner: LoggerService) {}

  log(message: unknown, ...rest: unknown[]): void {
    const context = rest.at(-1);
    if (typeof context === 'string' && STARTUP_DETAIL.has(context)) this.inner.debug?.(message, ...rest);
    else this.inner.log(message, ...rest);
  }

  error(message: unknown, ...rest: unknown[]): void {
    this.inner.error(message, ...rest);
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.inner.warn(message, ...rest);
  }

  debug(message: unknown, ...rest: unknown[]): void {
    this.inner.debug?.(message, ...rest);
  }

  verbose(message: unknown, ...rest: unknown[]): void {
    this.inner.verbose?.(message, ...rest);
  }

  fatal(message: unknown, ...rest: unknown[]): void {
    (this.inner.fatal ?? this.inner.error).call(this.inner, message, ...rest);
  }
}
