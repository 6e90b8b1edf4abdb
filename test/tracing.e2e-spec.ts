import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { makeActiveChannel, makeAgent, makeTenant, type TestTenant } from './support/admin-api.js';
import { startFakeClientServer, type FakeClientServer } from './support/fake-client-server.js';
import { dbQuery, visitorEvent } from './support/inbound.js';
import { startOtlpCollector, type CollectedSpan, type OtlpCollector } from './support/otlp-collector.js';
import { eventually, sendMessages, startFakeAgentRuntime, type FakeAgentRuntime } from './support/outbound.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * Issue 21, item 1: one trace per visitor message, across replicas (an API replica takes the webhook, a worker replica
 * calls the Agent and sends the reply), exported over OTLP/HTTP in both encodings and read back as a collector would;
 * `traceparent` on the Agent call and on every request to the client server; log lines carrying the ids.
 */
const SERVER = 2;
const CLIENT = 3;

function traceparent(): { header: string; traceId: string; spanId: string } {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { header: `00-${traceId}-${spanId}-01`, traceId, spanId };
}

/** `00-<trace>-<span>-<flags>` → its ids. */
function idsOf(header: unknown): { traceId: string; spanId: string } {
  const match = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/.exec(String(header));
  if (!match) throw new Error(`not a traceparent: ${String(header)}`);
  return { traceId: match[1], spanId: match[2] };
}

async function post(t: TestApp, token: string, body: unknown, headers: Record<string, string> = {}): Promise<number> {
  const response = await fetch(`${t.baseUrl}/${token}/bot_api_webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response.status;
}

describe.each([
  ['http/json', 'application/json'],
  ['http/protobuf', 'application/x-protobuf'],
] as const)('tracing over OTLP %s, an API and a worker replica', (protocol, contentType) => {
  let collector: OtlpCollector;
  let runtime: FakeAgentRuntime;
  let client: FakeClientServer;
  let api: TestApp;
  let worker: TestApp;
  let acme: TestTenant;

  beforeAll(async () => {
    collector = await startOtlpCollector();
    runtime = await startFakeAgentRuntime();
    client = await startFakeClientServer();
    const env = {
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      AGENT_RUNTIME_URL: runtime.url,
      LOG_LEVEL: 'info',
    };
    api = await startTestApp({ env: { ...env, ROLE: 'api', OTEL_SERVICE_NAME: 'channel-service-api' } });
    worker = await startTestApp({ database: api.database, env: { ...env, ROLE: 'worker' } });
    acme = await makeTenant(api, 'Traced');
    await makeAgent(api, acme, 'a-1');
  });

  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await Promise.all([collector?.close(), runtime?.close(), client?.close()]);
  });

  it("follows a visitor message from the client server's traceparent through the accept, the Agent call and each send_message attempt", async () => {
    const channel = await makeActiveChannel(api, acme, 'a-1', { webhookUrl: `${client.url}/hooks` });
    let attempts = 0;
    client.respondWith((sent) => {
      if (!sent.url.endsWith('/send_message')) return { status: 200, body: {} };
      attempts += 1;
      return attempts === 1 ? { status: 503, body: { error: 'busy' } } : { status: 200, body: {} };
    });
    const incoming = traceparent();
    const status = await post(api, channel.token, visitorEvent({ chatId: 11, messageId: 'traced-1', text: 'hello' }), {
      traceparent: incoming.header,
    });
    expect(status).toBe(200);

    const sends = await eventually(() => {
      const delivered = sendMessages(client);
      return delivered.some((sent) => sent.answeredStatus === 200) ? delivered : undefined;
    }, 15_000);
    const trace = incoming.traceId;
    const spansOf = (name: string) => collector.spans.filter((span) => span.traceId === trace && span.name === name);
    await eventually(() => (spansOf('send_message').length === 2 ? true : undefined), 10_000, 'both attempts exported');

    const [webhook] = spansOf('POST /:token/bot_api_webhook');
    const [accept] = spansOf('inbound accept');
    const [agent] = spansOf('agent call');
    const attemptsSpans = spansOf('send_message');
    expect(webhook).toMatchObject({
      parentSpanId: incoming.spanId,
      kind: SERVER,
      service: 'channel-service-api',
      attributes: { 'http.route': '/:token/bot_api_webhook', 'http.response.status_code': 200 },
    });
    // The token is a secret: neither the span name nor an attribute carries it.
    expect(JSON.stringify(collector.spans)).not.toContain(channel.token);
    expect(accept).toMatchObject({ parentSpanId: webhook.spanId, service: 'channel-service-api' });
    expect(agent).toMatchObject({ parentSpanId: accept.spanId, kind: CLIENT, service: 'channel-service' });
    for (const span of attemptsSpans)
      expect(span).toMatchObject({ parentSpanId: agent.spanId, kind: CLIENT, service: 'channel-service' });
    expect(attemptsSpans.map((span) => span.attributes['http.response.status_code']).sort()).toEqual([200, 503]);
    expect(attemptsSpans.map((span) => span.attributes['delivery.attempt']).sort()).toEqual([1, 2]);

    // On the wire: the Agent call carries the Agent call span's context, each send_message its attempt's.
    const call = runtime.calls.find((one) => (one.body.message as { text?: string } | undefined)?.text === 'hello');
    expect(idsOf(call?.headers.traceparent)).toEqual({ traceId: trace, spanId: agent.spanId });
    expect(
      sends.map((sent) => idsOf(sent.headers.traceparent)).sort((x, y) => x.spanId.localeCompare(y.spanId)),
    ).toEqual(
      attemptsSpans
        .map((span) => ({ traceId: trace, spanId: span.spanId }))
        .sort((x, y) => x.spanId.localeCompare(y.spanId)),
    );
    expect(collector.contentTypes.every((type) => type.startsWith(contentType))).toBe(true);

    // Log lines written inside a span name it.
    const completed = api.logs
      .map((line) => JSON.parse(line) as { msg?: string; trace_id?: string; span_id?: string; route?: string })
      .find((line) => line.msg === 'request completed' && line.trace_id === trace);
    expect(completed).toMatchObject({ span_id: webhook.spanId, route: '/:token/bot_api_webhook' });
  }, 40_000);

  it('starts a trace of its own for a webhook without traceparent, and stores it with the message', async () => {
    const channel = await makeActiveChannel(api, acme, 'a-1', { webhookUrl: `${client.url}/hooks-2` });
    client.respondWith(() => ({ status: 200, body: {} }));
    expect(await post(api, channel.token, visitorEvent({ chatId: 12, messageId: 'untraced', text: 'hi' }))).toBe(200);
    const [stored] = await dbQuery<{ trace_context: string }>(
      api,
      `SELECT trace_context FROM messages WHERE client_message_id = 'untraced'`,
    );
    const { traceId } = idsOf(stored.trace_context);
    await eventually(
      () => {
        const names = collector.spans
          .filter((span: CollectedSpan) => span.traceId === traceId)
          .map((span) => span.name);
        return ['POST /:token/bot_api_webhook', 'inbound accept', 'agent call', 'send_message'].every((name) =>
          names.includes(name),
        )
          ? true
          : undefined;
      },
      15_000,
      'the four spans of the new trace',
    );
    const root = collector.spans.find((span) => span.traceId === traceId && span.name.startsWith('POST'));
    expect(root?.parentSpanId).toBe('');
  }, 30_000);
});

describe('tracing off (no OTEL_EXPORTER_OTLP_ENDPOINT)', () => {
  let runtime: FakeAgentRuntime;
  let client: FakeClientServer;
  let t: TestApp;

  beforeAll(async () => {
    runtime = await startFakeAgentRuntime();
    client = await startFakeClientServer();
    t = await startTestApp({ env: { AGENT_RUNTIME_URL: runtime.url } });
  });

  afterAll(async () => {
    await t?.close();
    await Promise.all([runtime?.close(), client?.close()]);
  });

  it('adds no traceparent, stores no trace context, and puts no trace ids in the logs', async () => {
    const acme = await makeTenant(t, 'Untraced');
    await makeAgent(t, acme, 'a-1');
    const channel = await makeActiveChannel(t, acme, 'a-1', { webhookUrl: `${client.url}/hooks` });
    const incoming = traceparent();
    const status = await post(t, channel.token, visitorEvent({ chatId: 1, messageId: 'off-1', text: 'x' }), {
      traceparent: incoming.header,
    });
    expect(status).toBe(200);
    await eventually(() => (sendMessages(client).length > 0 ? true : undefined));
    expect(sendMessages(client)[0].headers.traceparent).toBeUndefined();
    expect(runtime.calls[0].headers.traceparent).toBeUndefined();
    expect(await dbQuery(t, `SELECT id FROM messages WHERE trace_context IS NOT NULL`)).toEqual([]);
    expect(t.logs.some((line) => line.includes('trace_id'))).toBe(false);
  });
});
