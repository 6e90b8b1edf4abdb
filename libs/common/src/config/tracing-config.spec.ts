import { describe, expect, it } from '@jest/globals';
import { parseTracingConfig } from './tracing-config.js';

function parse(env: Record<string, string>): { config: ReturnType<typeof parseTracingConfig>; problems: string[] } {
  const problems: string[] = [];
  const config = parseTracingConfig((name) => env[name], problems);
  return { config, problems };
}

describe('parseTracingConfig: the standard OTEL_* variables', () => {
  it('is off without an endpoint, with OTEL_SDK_DISABLED=true, and with OTEL_TRACES_EXPORTER=none', () => {
    expect(parse({})).toEqual({ config: null, problems: [] });
    expect(parse({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' }).config).toBeNull();
    expect(parse({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' }).config).toBeNull();
  });

  it('appends /v1/traces to the base endpoint, takes the traces endpoint as it is, and defaults to http/protobuf', () => {
    expect(parse({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).config).toEqual({
      url: 'http://collector:4318/v1/traces',
      protocol: 'http/protobuf',
      headers: {},
      serviceName: 'channel-service',
      resourceAttributes: {},
      exportDelayMs: 5000,
    });
    expect(
      parse({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://ignored:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://otlp.example.com/custom/traces',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      }).config,
    ).toMatchObject({ url: 'https://otlp.example.com/custom/traces', protocol: 'http/json' });
  });

  it('reads headers, the service name, resource attributes and the export delay', () => {
    expect(
      parse({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
        OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=a%20b, tenant=1',
        OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'tenant=2',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod,service.name=from-attributes',
        OTEL_BSP_SCHEDULE_DELAY: '250',
      }).config,
    ).toMatchObject({
      headers: { 'x-api-key': 'a b', tenant: '2' },
      serviceName: 'from-attributes',
      resourceAttributes: { 'deployment.environment': 'prod', 'service.name': 'from-attributes' },
      exportDelayMs: 250,
    });
  });

  it('names every wrong value, gRPC with a hint', () => {
    expect(parse({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }).problems).toEqual([
      'OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL, not "collector:4318".',
    ]);
    const { problems } = parse({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_EXPORTER_OTLP_HEADERS: '=x',
      OTEL_BSP_SCHEDULE_DELAY: 'soon',
    });
    expect(problems).toEqual([
      expect.stringContaining(
        'OTEL_EXPORTER_OTLP_PROTOCOL must be http/protobuf or http/json, not "grpc" (gRPC is not supported',
      ),
      expect.stringContaining('OTEL_EXPORTER_OTLP_HEADERS must be a list of key=value pairs'),
      'OTEL_BSP_SCHEDULE_DELAY must be milliseconds from 1 to 3600000, not "soon".',
    ]);
    expect(parse({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'zipkin' }).problems).toEqual([
      'OTEL_TRACES_EXPORTER must be otlp or none, not "zipkin".',
    ]);
  });
});
