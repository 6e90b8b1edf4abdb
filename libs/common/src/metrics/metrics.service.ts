import { Injectable } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const UNMATCHED_ROUTE = '(unmatched)';

/**
 * Nest answers unmatched paths through catch-all routes (`{/*splat}`, `*path`): those are no routes of ours. A wildcard
 * after a literal prefix (the console's `/console{/*page}`) is one of ours, and still a single label.
 */
const CATCH_ALL = /^[/{]*\*/;

export function routeTemplate(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' && !CATCH_ALL.test(path) ? path : UNMATCHED_ROUTE;
}

/** One registry per app instance, so several instances in one process (the e2e tests) never collide. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  private readonly httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route template and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  private readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration in seconds, by method and route template.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Express middleware: labels by the matched route template, never the raw URL (it may hold a token). */
  readonly httpMiddleware = (req: Request, res: Response, next: NextFunction): void => {
    const started = performance.now();
    res.on('finish', () => this.observeHttp(req.method, routeTemplate(req), res.statusCode, started));
    next();
  };

  /** `started` is a performance.now() reading taken when the request arrived. */
  observeHttp(method: string, route: string, status: number, started: number): void {
    this.httpDuration.observe({ method, route }, (performance.now() - started) / 1000);
    this.httpRequests.inc({ method, route, status: String(status) });
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
