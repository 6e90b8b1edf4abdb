import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Global, Module, type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import pino, { type Logger } from 'pino';
import type { Options } from 'pino-http';
import type { Request } from 'express';
import type { AppConfig } from '../config/app-config.js';
import { routeTemplate } from '../metrics/metrics.service.js';
import { traceFields } from '../tracing/tracing.js';
import { logFormatOf, stdoutDestination } from './log-format.js';
import {
  REDACTED,
  REDACTED_HEADER_PATHS,
  redactRequestUrl,
  redactingDestination,
  type LogDestination,
} from './redact.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Echoes a well-formed incoming `x-request-id`, else makes one; either way the response carries it. */
export function assignRequestId(req: IncomingMessage, res: ServerResponse): string {
  const incoming = req.headers['x-request-id'];
  const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
  res.setHeader('x-request-id', id);
  return id;
}

interface SerializedRequest {
  id: unknown;
  method: string;
  url: string;
  headers: Record<string, unknown>;
  remoteAddress?: string;
}

/**
 * Params and query are left out (the webhook's `:token` param is a secret), and the URL and Referer are redacted
 * whether or not the request matched a route: see redactRequestUrl.
 */
function serializeRequest(req: SerializedRequest): SerializedRequest {
  const referer = req.headers?.referer;
  const headers = typeof referer === 'string' ? { ...req.headers, referer: redactRequestUrl(referer) } : req.headers;
  return { id: req.id, method: req.method, url: redactRequestUrl(req.url), headers, remoteAddress: req.remoteAddress };
}

/** TypeORM's QueryFailedError carries the query parameters (visitor text, hashes): they stay out of the logs. */
function serializeError(error: unknown): unknown {
  const serialized = pino.stdSerializers.err(error as Error) as unknown as Record<string, unknown>;
  if (serialized && typeof serialized === 'object') {
    delete serialized.parameters;
    delete serialized.driverError;
  }
  return serialized;
}

/** One rule for every request log line: 5xx error, 4xx warn, else info. */
export function logLevelForStatus(status: number): 'error' | 'warn' | 'info' {
  return status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
}

/**
 * The request log: Nest's logging middleware uses these options, and so does what is served ahead of that middleware
 * (the console, see console-static.ts), so every request line looks alike.
 */
export function requestLogOptions(root: Logger): Options {
  return {
    logger: root,
    genReqId: assignRequestId,
    serializers: { req: serializeRequest, err: serializeError },
    // Called when the request starts and again when it ends. Only the end knows the matched route (at the start
    // Nest's catch-all may stand in for it), so only the request's last line carries `route`, once.
    customProps: (req, res) =>
      res.headersSent && (req as Request).route ? { route: routeTemplate(req as Request) } : {},
    customLogLevel: (_req, res, error) => (error ? 'error' : logLevelForStatus(res.statusCode)),
    // Probes and scrapes come every few seconds: their lines would bury the rest (a readiness 503 included, which is
    // the signal itself while the database is away; the outage is told once at warn).
    autoLogging: {
      ignore: (req) => req.url === '/health/live' || req.url === '/health/ready' || req.url === '/metrics',
    },
  };
}

/** The app's root pino logger (the one nestjs-pino and pino-http write through), for hot paths outside Express. */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

@Global()
@Module({})
export class LoggingModule {
  static forRoot(
    config: AppConfig,
    destination: LogDestination = stdoutDestination(logFormatOf(config)),
  ): DynamicModule {
    const root = pino(
      {
        level: config.logLevel,
        redact: { paths: REDACTED_HEADER_PATHS, censor: REDACTED },
        serializers: { err: serializeError },
        // With tracing on, a line written inside a span names it (trace_id, span_id); nothing otherwise.
        mixin: traceFields,
      },
      redactingDestination(destination, [config.platformAdminToken]),
    );
    return {
      module: LoggingModule,
      providers: [{ provide: ROOT_LOGGER, useValue: root }],
      exports: [ROOT_LOGGER],
      imports: [
        LoggerModule.forRoot({
          pinoHttp: requestLogOptions(root),
        }),
      ],
    };
  }
}
