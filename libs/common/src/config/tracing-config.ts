/** The OTLP encodings the service exports traces in (both over HTTP). */
export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];

/** Where and how traces go: read from the standard OTEL_* variables; tracing is off when no endpoint is set. */
export interface TracingConfig {
  /** The traces URL itself: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or OTEL_EXPORTER_OTLP_ENDPOINT + `/v1/traces`. */
  url: string;
  protocol: OtlpProtocol;
  /** OTEL_EXPORTER_OTLP_(TRACES_)HEADERS: `key=value,…`, values URL-decoded (an API key for a hosted collector). */
  headers: Record<string, string>;
  /** OTEL_SERVICE_NAME, else `service.name` in OTEL_RESOURCE_ATTRIBUTES, else channel-service. */
  serviceName: string;
  /** OTEL_RESOURCE_ATTRIBUTES: `key=value,…`. */
  resourceAttributes: Record<string, string>;
  /** OTEL_BSP_SCHEDULE_DELAY: milliseconds between two exports of the batch (the SDK's default, 5000). */
  exportDelayMs: number;
}

/** The one variable of a signal-specific pair that is set (OTEL_EXPORTER_OTLP_TRACES_X wins over OTEL_EXPORTER_OTLP_X). */
type Read = (name: string) => string | undefined;

/** `key=value,key2=value2` (the W3C Baggage format the OTEL_* variables use), values URL-decoded. */
function parsePairs(name: string, value: string | undefined, problems: string[]): Record<string, string> {
  const pairs: Record<string, string> = {};
  if (value === undefined) return pairs;
  for (const part of value.split(',')) {
    if (part.trim() === '') continue;
    const at = part.indexOf('=');
    const key = at > 0 ? part.slice(0, at).trim() : '';
    if (key === '') {
      problems.push(`${name} must be a list of key=value pairs separated by commas; "${part.trim()}" has no key.`);
      continue;
    }
    try {
      pairs[key] = decodeURIComponent(part.slice(at + 1).trim());
    } catch {
      problems.push(`${name}: the value of "${key}" is not valid URL encoding.`);
    }
  }
  return pairs;
}

function parseUrl(name: string, value: string, problems: string[]): URL | null {
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url;
  } catch {
    // reported below
  }
  problems.push(`${name} must be an http:// or https:// URL, not "${value}".`);
  return null;
}

/**
 * The standard OTEL_* variables of the OpenTelemetry specification that this service honours. Null (tracing off)
 * when OTEL_SDK_DISABLED is true, OTEL_TRACES_EXPORTER is `none`, or no endpoint is set.
 */
export function parseTracingConfig(read: Read, problems: string[]): TracingConfig | null {
  const disabled = read('OTEL_SDK_DISABLED');
  if (disabled !== undefined && disabled.toLowerCase() === 'true') return null;
  const exporter = read('OTEL_TRACES_EXPORTER');
  if (exporter !== undefined && exporter !== 'otlp') {
    if (exporter === 'none') return null;
    problems.push(`OTEL_TRACES_EXPORTER must be otlp or none, not "${exporter}".`);
    return null;
  }
  const tracesEndpoint = read('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const endpoint = read('OTEL_EXPORTER_OTLP_ENDPOINT');
  let url: string;
  if (tracesEndpoint !== undefined) {
    const parsed = parseUrl('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', tracesEndpoint, problems);
    if (parsed === null) return null;
    url = parsed.href;
  } else if (endpoint !== undefined) {
    const parsed = parseUrl('OTEL_EXPORTER_OTLP_ENDPOINT', endpoint, problems);
    if (parsed === null) return null;
    // The specification: the base endpoint gets the signal's path appended.
    url = `${parsed.href.replace(/\/+$/, '')}/v1/traces`;
  } else {
    return null;
  }

  const protocolName = read('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL')
    ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'
    : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const protocolText = read(protocolName) ?? 'http/protobuf';
  let protocol: OtlpProtocol = 'http/protobuf';
  if ((OTLP_PROTOCOLS as readonly string[]).includes(protocolText)) protocol = protocolText as OtlpProtocol;
  else
    problems.push(
      `${protocolName} must be http/protobuf or http/json, not "${protocolText}"${protocolText === 'grpc' ? ' (gRPC is not supported: point it at the collector’s HTTP port, 4318)' : ''}.`,
    );

  const headers = {
    ...parsePairs('OTEL_EXPORTER_OTLP_HEADERS', read('OTEL_EXPORTER_OTLP_HEADERS'), problems),
    ...parsePairs('OTEL_EXPORTER_OTLP_TRACES_HEADERS', read('OTEL_EXPORTER_OTLP_TRACES_HEADERS'), problems),
  };
  const resourceAttributes = parsePairs('OTEL_RESOURCE_ATTRIBUTES', read('OTEL_RESOURCE_ATTRIBUTES'), problems);
  const serviceName = read('OTEL_SERVICE_NAME') ?? resourceAttributes['service.name'] ?? 'channel-service';

  const delayText = read('OTEL_BSP_SCHEDULE_DELAY');
  let exportDelayMs = 5_000;
  if (delayText !== undefined) {
    if (/^\d+$/.test(delayText) && Number(delayText) >= 1 && Number(delayText) <= 3_600_000)
      exportDelayMs = Number(delayText);
    else problems.push(`OTEL_BSP_SCHEDULE_DELAY must be milliseconds from 1 to 3600000, not "${delayText}".`);
  }
  return { url, protocol, headers, serviceName, resourceAttributes, exportDelayMs };
}
