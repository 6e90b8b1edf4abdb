import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { makeTenant } from './support/admin-api.js';
import { adminQuery } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('operations endpoints', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });

  afterAll(async () => {
    await t?.close();
  });

  it('GET /health/live answers 200', async () => {
    const res = await request(t.baseUrl).get('/health/live');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('GET /health/ready answers 200 while the database answers, 503 while it does not, and recovers', async () => {
    const ready = await request(t.baseUrl).get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.info.database.status).toBe('up');

    const db = t.database.name;
    await adminQuery(`ALTER DATABASE ${db} ALLOW_CONNECTIONS false`);
    await adminQuery('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [db]);
    try {
      const down = await request(t.baseUrl).get('/health/ready');
      expect(down.status).toBe(503);
      expect(down.body).toEqual({
        error: 'The database is not answering.',
        code: 'NOT_READY',
        requestId: down.headers['x-request-id'],
      });
    } finally {
      await adminQuery(`ALTER DATABASE ${db} ALLOW_CONNECTIONS true`);
    }
    const again = await request(t.baseUrl).get('/health/ready');
    expect(again.status).toBe(200);
  });

  it('GET /metrics serves process metrics and HTTP metrics labelled by route template, never by raw URL', async () => {
    await request(t.baseUrl).get('/health/live');
    await request(t.baseUrl).post('/s3cretTokenValue/bot_api_webhook').send({});
    const res = await request(t.baseUrl).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toContain('process_cpu_seconds_total');
    expect(res.text).toContain('nodejs_heap_size_used_bytes');
    expect(res.text).toMatch(/http_requests_total\{method="GET",route="\/health\/live",status="200"\} \d+/);
    expect(res.text).toMatch(/http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/health\/live"\}/);
    expect(res.text).toMatch(/http_requests_total\{method="POST",route="\/:token\/bot_api_webhook",status="400"\} 1/);
    await request(t.baseUrl).get('/no/such/path');
    expect((await request(t.baseUrl).get('/metrics')).text).toMatch(
      /http_requests_total\{method="GET",route="\(unmatched\)",status="404"\} 1/,
    );
    expect(res.text).not.toContain('s3cretTokenValue');
  });

  it("an admin request's log line names its route template once, and an unmatched path's names none", async () => {
    t.logs.length = 0;
    await makeTenant(t, 'Logged');
    await request(t.baseUrl).get('/no/such/path').expect(404);
    const routes = t.logs
      .filter((line) => line.includes('"res":'))
      .map((line) => [...line.matchAll(/"route":"([^"]*)"/g)].map((match) => match[1]));
    expect(routes).toEqual(expect.arrayContaining([['/api/v1/tenants'], ['(unmatched)']]));
    for (const keys of routes) expect(keys.length).toBeLessThanOrEqual(1);
  });

  it('GET /docs serves Swagger UI and /docs-json the OpenAPI document', async () => {
    const ui = await request(t.baseUrl).get('/docs');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger-ui');
    const json = await request(t.baseUrl).get('/docs-json');
    expect(json.status).toBe(200);
    expect(json.body.openapi).toMatch(/^3\./);
    expect(Object.keys(json.body.paths)).toEqual(expect.arrayContaining(['/health/live', '/health/ready', '/metrics']));
    // The bearer tokens are opaque keys, not JWTs.
    expect(json.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(json.body.components.securitySchemes.bearer.bearerFormat).not.toMatch(/jwt/i);
  });

  it('documents every admin route with a success response, its error codes and examples', async () => {
    const { body } = await request(t.baseUrl).get('/docs-json');
    const paths = body.paths as Record<
      string,
      Record<
        string,
        { responses: Record<string, { content?: Record<string, { example?: unknown; schema?: unknown }> }> }
      >
    >;
    const expected = [
      'POST /api/v1/tenants',
      'GET /api/v1/tenants',
      'GET /api/v1/tenants/{tenantId}/api-keys',
      'POST /api/v1/tenants/{tenantId}/api-keys',
      'DELETE /api/v1/tenants/{tenantId}/api-keys/{keyId}',
      'PUT /api/v1/agents/{agentId}',
      'GET /api/v1/agents',
      'GET /api/v1/agents/{agentId}',
      'POST /api/v1/agents/{agentId}/channels',
      'GET /api/v1/agents/{agentId}/channels',
      'GET /api/v1/channels/{channelId}',
      'PATCH /api/v1/channels/{channelId}',
      'POST /api/v1/channels/{channelId}/rotate-token',
      'DELETE /api/v1/channels/{channelId}',
      'GET /api/v1/channels/{channelId}/chats',
      'GET /api/v1/channels/{channelId}/chats/{chatId}/messages',
      'POST /api/v1/channels/{channelId}/chats/{chatId}/messages',
      'POST /api/v1/messages/{messageId}/retry',
    ];
    const documented = Object.entries(paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented).toEqual(expect.arrayContaining(expected));
    for (const route of expected) {
      const [method, path] = route.split(' ');
      const responses = paths[path][method.toLowerCase()].responses;
      const statuses = Object.keys(responses);
      expect(statuses.some((status) => status.startsWith('2'))).toBe(true);
      expect(statuses).toEqual(expect.arrayContaining(['401', '403']));
      for (const status of statuses.filter((s) => /^[45]/.test(s))) {
        expect(responses[status].content?.['application/json']?.example).toMatchObject({
          error: expect.any(String),
          code: expect.any(String),
        });
      }
    }
  });

  it('answers unknown routes with the error shape and never echoes the path', async () => {
    const admin = await request(t.baseUrl).get('/api/v1/some-secret-path');
    expect(admin.status).toBe(404);
    expect(admin.body).toEqual({ error: 'Not found', code: 'NOT_FOUND' });
    const other = await request(t.baseUrl).get('/some-secret-path/here');
    expect(other.status).toBe(404);
    expect(other.body).toEqual({ error: 'Not found' });
  });

  it('answers malformed and oversized JSON with clear errors', async () => {
    const malformed = await request(t.baseUrl)
      .post('/health/live')
      .set('content-type', 'application/json')
      .send('{"a":');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toEqual({ error: 'The request body is not valid JSON.', code: 'MALFORMED_JSON' });

    const huge = await request(t.baseUrl)
      .post('/health/live')
      .set('content-type', 'application/json')
      .send(JSON.stringify({ text: 'x'.repeat(300 * 1024) }));
    expect(huge.status).toBe(413);
    expect(huge.body).toEqual({ error: 'The request body is too large.', code: 'PAYLOAD_TOO_LARGE' });
  });

  it('gives every request an id, echoing a well-formed incoming one', async () => {
    const own = await request(t.baseUrl).get('/health/live').set('x-request-id', 'abc-123');
    expect(own.headers['x-request-id']).toBe('abc-123');
    const generated = await request(t.baseUrl).get('/health/live').set('x-request-id', 'bad id with spaces');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('logs JSON lines with the request id and redacts authorization headers and webhook tokens', async () => {
    t.logs.length = 0;
    // (Not /health/ready: probes and scrapes are not logged.)
    await request(t.baseUrl)
      .get('/api/v1/channels')
      .set('authorization', 'Bearer super-secret-api-key')
      .set('x-request-id', 'req-42');
    await request(t.baseUrl)
      .post('/tok3nThatMustNotLeak/bot_api_webhook')
      .set('authorization', 'Token client-secret')
      .send({ a: 1 });
    const text = t.logs.join('');
    expect(text).not.toContain('super-secret-api-key');
    expect(text).not.toContain('client-secret');
    expect(text).not.toContain('tok3nThatMustNotLeak');
    const lines = t.logs.map(
      (line) =>
        JSON.parse(line) as { req?: { id?: string; url?: string; headers?: Record<string, string> }; route?: string },
    );
    const refused = lines.filter((line) => line.req?.id === 'req-42');
    expect(refused.length).toBeGreaterThan(0);
    for (const line of refused) expect(line.req?.headers?.authorization).toBe('[REDACTED]');
    expect(lines.some((line) => line.req?.url === '/[REDACTED]/bot_api_webhook')).toBe(true);
  });
});
