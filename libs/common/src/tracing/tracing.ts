import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  trace,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { AppConfig } from '../config/app-config.js';
import type { TracingConfig } from '../config/tracing-config.js';
import { SERVICE_VERSION } from '../service-info.js';

export { SpanKind };

/** The W3C Trace Context propagator: `traceparent` (and `tracestate`) in and out of HTTP headers and stored rows. */
const PROPAGATOR = new W3CTraceContextPropagator();

const HEADER_GETTER = {
  keys: (carrier: Record<string, unknown>) => Object.keys(carrier),
  get: (carrier: Record<string, unknown>, key: string) => {
    const value = carrier[key];
    return typeof value === 'string' || Array.isArray(value) ? (value as string | string[]) : undefined;
  },
};

/** The context manager is process-wide (AsyncLocalStorage): enabled by the first app that traces, and kept. */
let contextManagerEnabled = false;
function enableContextManager(): void {
  if (contextManagerEnabled) return;
  contextManagerEnabled = context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
}

/**
 * Adds the active span's `traceparent` to outgoing headers (to the Agent runtime, to a client server). Nothing when no
 * span is active, which is always the case with tracing off: then this costs one context lookup.
 */
export function injectTraceContext(headers: Record<string, string>): void {
  const active = context.active();
  if (trace.getSpan(active) === undefined) return;
  PROPAGATOR.inject(active, headers, { set: (carrier, key, value) => (carrier[key] = value) });
}

/** The active span's ids for a log line (`trace_id`, `span_id`), or nothing. */
export function traceFields(): { trace_id?: string; span_id?: string } {
  const span = trace.getSpan(context.active());
  if (span === undefined) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

/** What a traced piece of work may say about itself; a no-op with tracing off. */
export interface TraceSpan {
  setAttributes(attributes: Attributes): void;
  /** Marks the span failed (an error outcome), with a message. */
  fail(message: string): void;
}

const NO_SPAN: TraceSpan = { setAttributes: () => undefined, fail: () => undefined };

/** Where a span's parent comes from: the active context, a stored `traceparent`, or incoming HTTP headers. */
export type SpanParent = { traceparent: string | null } | { headers: Record<string, unknown> } | 'active';

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  parent?: SpanParent;
}

/**
 * OpenTelemetry tracing, configured by the standard OTEL_* variables (AppConfig.tracing). Off, every method is a
 * branch and a call of the work itself: no span, no context, nothing stored. On, spans go through a batch processor
 * to the OTLP/HTTP exporter of the configured encoding (the OpenTelemetry project's own packages).
 */
@Injectable()
export class Tracing implements OnApplicationShutdown {
  readonly enabled: boolean;
  private readonly provider: BasicTracerProvider | null = null;
  private readonly tracer: Tracer | null = null;

  constructor(config: AppConfig) {
    this.enabled = config.tracing !== null;
    if (config.tracing === null) return;
    enableContextManager();
    this.provider = providerFor(config.tracing);
    this.tracer = this.provider.getTracer('channel-service', SERVICE_VERSION);
  }

  /**
   * Runs `work` in a new span (its parent per `options.parent`, the active context by default) made active for it,
   * and ends the span when the work settles; a thrown error marks the span failed and is rethrown.
   */
  async span<T>(name: string, options: SpanOptions, work: (span: TraceSpan) => Promise<T>): Promise<T> {
    if (this.tracer === null) return work(NO_SPAN);
    const parent = parentContext(options.parent ?? 'active');
    const span = this.tracer.startSpan(
      name,
      { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes },
      parent,
    );
    try {
      return await context.with(trace.setSpan(parent, span), () => work(handleOf(span)));
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
      throw error;
    } finally {
      span.end();
    }
  }

  /** Adds attributes to the active span (none with tracing off). */
  annotate(attributes: Attributes): void {
    if (this.tracer === null) return;
    trace.getSpan(context.active())?.setAttributes(attributes);
  }

  /** The active span's `traceparent`, to store with work another replica may carry on; null with none (or tracing off). */
  traceparent(): string | null {
    if (this.tracer === null) return null;
    const carrier: Record<string, string> = {};
    injectTraceContext(carrier);
    return carrier.traceparent ?? null;
  }

  /** Exports what is still batched. */
  async onApplicationShutdown(): Promise<void> {
    await this.provider?.shutdown().catch(() => undefined);
  }
}

function handleOf(span: Span): TraceSpan {
  return {
    setAttributes: (attributes) => void span.setAttributes(attributes),
    fail: (message) => void span.setStatus({ code: SpanStatusCode.ERROR, message }),
  };
}

function parentContext(parent: SpanParent): Context {
  if (parent === 'active') return context.active();
  if ('headers' in parent) return PROPAGATOR.extract(ROOT_CONTEXT, parent.headers, HEADER_GETTER);
  if (parent.traceparent === null) return ROOT_CONTEXT;
  return PROPAGATOR.extract(ROOT_CONTEXT, { traceparent: parent.traceparent }, HEADER_GETTER);
}

function providerFor(config: TracingConfig): BasicTracerProvider {
  const exporterOptions = { url: config.url, headers: config.headers };
  const exporter =
    config.protocol === 'http/json' ? new OtlpJsonExporter(exporterOptions) : new OtlpProtobufExporter(exporterOptions);
  return new BasicTracerProvider({
    resource: resourceFromAttributes({
      ...config.resourceAttributes,
      'service.name': config.serviceName,
      'service.version': SERVICE_VERSION,
    }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: config.exportDelayMs })],
  });
}
