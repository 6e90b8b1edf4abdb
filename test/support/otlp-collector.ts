import { createServer, type Server } from 'node:http';

/** One span as an OTLP collector reads it, from either encoding. Ids are lowercase hex, as in the OTLP JSON encoding. */
export interface CollectedSpan {
  traceId: string;
  spanId: string;
  /** '' for a root span. */
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client. */
  kind: number;
  attributes: Record<string, string | number | boolean>;
  /** The resource's `service.name`. */
  service: string;
}

export interface OtlpCollector {
  /** The base endpoint (OTEL_EXPORTER_OTLP_ENDPOINT); exports arrive at `/v1/traces`. */
  url: string;
  spans: CollectedSpan[];
  /** The content type of every export received. */
  contentTypes: string[];
  close(): Promise<void>;
}

type AnyValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
type JsonKeyValue = { key: string; value: AnyValue };

function jsonValue(value: AnyValue): string | number | boolean {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.boolValue !== undefined) return value.boolValue;
  return value.doubleValue ?? '';
}

function jsonAttributes(list: JsonKeyValue[] | undefined): Record<string, string | number | boolean> {
  return Object.fromEntries((list ?? []).map(({ key, value }) => [key, jsonValue(value)]));
}

/** The OTLP/HTTP JSON encoding (opentelemetry-proto's ExportTraceServiceRequest in its JSON mapping). */
function fromJson(body: Buffer): CollectedSpan[] {
  const request = JSON.parse(body.toString('utf8')) as {
    resourceSpans: {
      resource?: { attributes?: JsonKeyValue[] };
      scopeSpans: {
        spans: {
          traceId: string;
          spanId: string;
          parentSpanId?: string;
          name: string;
          kind: number;
          attributes?: JsonKeyValue[];
        }[];
      }[];
    }[];
  };
  return request.resourceSpans.flatMap((resourceSpans) => {
    const service = String(jsonAttributes(resourceSpans.resource?.attributes)['service.name'] ?? '');
    return resourceSpans.scopeSpans.flatMap((scope) =>
      scope.spans.map((span) => ({
        traceId: span.traceId,
        spanId: span.spanId,
        parentSpanId: span.parentSpanId ?? '',
        name: span.name,
        kind: span.kind,
        attributes: jsonAttributes(span.attributes),
        service,
      })),
    );
  });
}

/** A protobuf message's fields by number: varints as bigint, length-delimited fields as bytes (fixed ones skipped). */
function fields(bytes: Buffer): Map<number, (bigint | Buffer)[]> {
  const out = new Map<number, (bigint | Buffer)[]>();
  let at = 0;
  const varint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const byte = bytes[at++];
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
    }
  };
  while (at < bytes.length) {
    const key = Number(varint());
    const [field, wire] = [key >>> 3, key & 7];
    let value: bigint | Buffer;
    if (wire === 0) value = varint();
    else if (wire === 2) {
      const length = Number(varint());
      value = bytes.subarray(at, at + length);
      at += length;
    } else if (wire === 1) {
      value = bytes.subarray(at, at + 8);
      at += 8;
    } else if (wire === 5) {
      value = bytes.subarray(at, at + 4);
      at += 4;
    } else throw new Error(`unexpected protobuf wire type ${wire}`);
    out.set(field, [...(out.get(field) ?? []), value]);
  }
  return out;
}

const bytesOf = (message: Map<number, (bigint | Buffer)[]>, field: number): Buffer[] =>
  (message.get(field) ?? []).filter((value): value is Buffer => Buffer.isBuffer(value));
const textOf = (message: Map<number, (bigint | Buffer)[]>, field: number): string =>
  bytesOf(message, field)[0]?.toString('utf8') ?? '';

function protobufAttributes(keyValues: Buffer[]): Record<string, string | number | boolean> {
  return Object.fromEntries(
    keyValues.map((bytes) => {
      const keyValue = fields(bytes);
      const value = fields(bytesOf(keyValue, 2)[0] ?? Buffer.alloc(0));
      // AnyValue: 1 string_value, 2 bool_value, 3 int_value.
      const parsed = value.has(1)
        ? textOf(value, 1)
        : value.has(3)
          ? Number(value.get(3)?.[0])
          : value.has(2)
            ? value.get(2)?.[0] === 1n
            : '';
      return [textOf(keyValue, 1), parsed];
    }),
  );
}

/** The OTLP/HTTP protobuf encoding, read field by field from opentelemetry-proto's trace.proto numbering. */
function fromProtobuf(body: Buffer): CollectedSpan[] {
  return bytesOf(fields(body), 1).flatMap((resourceSpansBytes) => {
    const resourceSpans = fields(resourceSpansBytes);
    const resource = fields(bytesOf(resourceSpans, 1)[0] ?? Buffer.alloc(0));
    const service = String(protobufAttributes(bytesOf(resource, 1))['service.name'] ?? '');
    return bytesOf(resourceSpans, 2).flatMap((scopeBytes) =>
      bytesOf(fields(scopeBytes), 2).map((spanBytes) => {
        const span = fields(spanBytes);
        return {
          traceId: bytesOf(span, 1)[0].toString('hex'),
          spanId: bytesOf(span, 2)[0].toString('hex'),
          parentSpanId: bytesOf(span, 4)[0]?.toString('hex') ?? '',
          name: textOf(span, 5),
          kind: Number(span.get(6)?.[0] ?? 0n),
          attributes: protobufAttributes(bytesOf(span, 9)),
          service,
        };
      }),
    );
  });
}

/** An OTLP/HTTP trace receiver on loopback, for both encodings, answering 200 like a collector. */
export async function startOtlpCollector(): Promise<OtlpCollector> {
  const spans: CollectedSpan[] = [];
  const contentTypes: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      const contentType = String(req.headers['content-type'] ?? '');
      contentTypes.push(contentType);
      const body = Buffer.concat(chunks);
      spans.push(...(contentType.includes('json') ? fromJson(body) : fromProtobuf(body)));
      res.writeHead(200, { 'content-type': contentType }).end(contentType.includes('json') ? '{}' : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('the collector is not listening');
  return {
    url: `http://127.0.0.1:${address.port}`,
    spans,
    contentTypes,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
