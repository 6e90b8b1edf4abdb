import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import request from 'supertest';
import { asTenant, makeAgent, makeChannel, makeTenant, operator, type TestTenant } from './support/admin-api.js';
import { postEvent, tokenOf, visitorEvent } from './support/inbound.js';
import { ruleBreakingText } from './support/hostile-text.js';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from './support/test-app.js';

const hostileString = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  ruleBreakingText,
  fc.constantFrom(
    '',
    ' ',
    '__proto__',
    'constructor',
    'https://client.example.com/a\u0000b',
    ' https://client.example.com/chat ',
    'Token\r\nX-Injected: 1',
    'tökén',
    '😀'.repeat(300),
    'x'.repeat(70_000),
  ),
);
const hostileValue = fc.oneof(
  hostileString,
  fc.constantFrom(-0, 0.5, 1e308, Number.MAX_SAFE_INTEGER + 1, true, false, null),
  fc.jsonValue({ maxDepth: 3 }),
);

/** A nesting `depth` levels deep, as raw JSON: the admin parser must refuse it before anything recurses over it. */
function deepJson(depth: number, field: string): string {
  return `{"${field}":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
}

/** A path segment as a careless client would send it: lone surrogates as their (invalid) UTF-8 bytes. */
function segment(text: string): string {
  return Array.from(text)
    .map((char) => {
      const unit = char.charCodeAt(0);
      if (char.length === 1 && unit >= 0xd800 && unit <= 0xdfff)
        return `%ED%${(0xa0 + ((unit >> 6) & 0x1f)).toString(16)}%${(0x80 + (unit & 0x3f)).toString(16)}`;
      return encodeURIComponent(char);
    })
    .join('');
}
const hostileSegment = fc.oneof(
  // A URL has room for a few KiB; the huge strings are for bodies.
  hostileString.filter((text) => text.length < 1000).map(segment),
  fc.constantFrom('%', '%zz', '%00', '%ED%A0%80', '..', '%2e%2e', 'a%2Fb', '0', '-1', '9999999999999999999999'),
  fc.uuid().map((id) => id.toUpperCase()),
);
/** What a cursor decodes to: the page cursor is base64url of `<position>:<id>`, so each is tried raw and encoded. */
const cursorText = fc.oneof(
  hostileSegment,
  fc.constantFrom(
    '9999999999999999999:0196a3b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b',
    '1:------------------------------------',
    '-1:0196a3b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b',
    '1.5:0196a3b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b',
    ':',
    'MTox',
  ),
  fc.tuple(fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }), fc.uuid()).map(([n, id]) => `${n}:${id}`),
);
const hostileCursor = fc.oneof(
  cursorText,
  cursorText.map((text) => Buffer.from(text, 'utf8').toString('base64url')),
);

/** Every status the admin API documents, and the error body's shape. */
const DOCUMENTED = [200, 201, 202, 204, 400, 401, 403, 404, 405, 409, 413, 415];
function documented(res: request.Response, statuses = DOCUMENTED): boolean {
  if (!statuses.includes(res.status)) return false;
  if (res.status < 400) return true;
  const body = res.body as Record<string, unknown>;
  return typeof body.error === 'string' && typeof body.code === 'string';
}

/** For a failing property: the input beside what came back, so the report shows both. */
function expectDocumented(input: unknown, res: request.Response, statuses = DOCUMENTED): void {
  const answer = `${res.status} ${res.text.slice(0, 300)}`;
  expect({ input, answer, documented: documented(res, statuses) }).toEqual({ input, answer, documented: true });
}

describe('fuzz: the admin API answers hostile bodies, paths and cursors with documented statuses and changes nothing', () => {
  let t: TestApp;
  let acme: TestTenant;
  let channelId: string;

  /** What a refused write could have changed: the tenant's agents, its channels, and the one channel's state. */
  async function snapshot(): Promise<unknown> {
    const tenant = asTenant(t, acme);
    const [agents, channels, channel, tenants] = await Promise.all([
      tenant.get('/api/v1/agents?limit=100'),
      tenant.get('/api/v1/agents/a-1/channels?limit=100'),
      tenant.get(`/api/v1/channels/${channelId}`),
      operator(t).get('/api/v1/tenants?limit=100'),
    ]);
    return [agents.body, channels.body, channel.body, (tenants.body as { items?: unknown[] }).items?.length];
  }

  beforeAll(async () => {
    t = await startTestApp({ env: { LOG_LEVEL: 'warn', ROLE: 'api' } });
    acme = await makeTenant(t);
    await makeAgent(t, acme);
    const channel = await makeChannel(t, acme, 'a-1', { webhookUrl: 'https://client.example.com/chat', active: true });
    channelId = String(channel.id);
    await postEvent(t, tokenOf(channel), visitorEvent({ chatId: 7, messageId: 'seed' })).expect(200);
  });

  afterAll(async () => {
    await t?.close();
  });

  interface Write {
    method: 'post' | 'put' | 'patch';
    path: () => string;
    operator?: boolean;
    /** A valid body, which the property spoils in one or two fields. */
    base: Record<string, unknown>;
    fields: string[];
  }
  const WRITES: Record<string, Write> = {
    'POST /api/v1/tenants': {
      method: 'post',
      path: () => '/api/v1/tenants',
      operator: true,
      base: {},
      fields: ['name'],
    },
    'PUT /api/v1/agents/a-1': {
      method: 'put',
      path: () => '/api/v1/agents/a-1',
      base: { title: 'Support bot', trained: true },
      fields: ['title', 'trained'],
    },
    'POST /api/v1/agents/a-1/channels': {
      method: 'post',
      path: () => '/api/v1/agents/a-1/channels',
      base: { type: 'omnichannel', webhookUrl: 'https://client.example.com/chat' },
      fields: ['type', 'title', 'webhookUrl', 'webhookToken', 'active'],
    },
    'PATCH /api/v1/channels/:id': {
      method: 'patch',
      path: () => `/api/v1/channels/${channelId}`,
      base: {},
      fields: ['title', 'webhookUrl', 'webhookToken', 'active'],
    },
    'POST /api/v1/channels/:id/chats/7/messages': {
      method: 'post',
      path: () => `/api/v1/channels/${channelId}/chats/7/messages`,
      base: {},
      fields: ['text', 'buttons', 'file'],
    },
  };
  function send(write: Write, body: string): request.Test {
    const agent = request(t.baseUrl);
    const path = write.path();
    const test =
      write.method === 'put' ? agent.put(path) : write.method === 'patch' ? agent.patch(path) : agent.post(path);
    return test
      .set('authorization', `Bearer ${write.operator ? TEST_ADMIN_TOKEN : acme.apiKey}`)
      .set('content-type', 'application/json')
      .send(body);
  }

  it.each(Object.entries(WRITES))(
    '%s: hostile values in any field are documented answers, and a refused write changes nothing',
    async (_name, write) => {
      await fc.assert(
        fc.asyncProperty(
          fc.uniqueArray(fc.constantFrom(...write.fields), { minLength: 1, maxLength: 2 }),
          fc.array(hostileValue, { minLength: 2, maxLength: 2 }),
          async (fields, values) => {
            const body = {
              ...write.base,
              ...Object.fromEntries(fields.map((field, index) => [field, structuredClone(values[index])])),
            };
            const before = await snapshot();
            const res = await send(write, JSON.stringify(body));
            expectDocumented(JSON.stringify(body).slice(0, 200), res);
            if (res.status >= 400) expect(await snapshot()).toEqual(before);
          },
        ),
        { numRuns: 40 },
      );
    },
    120_000,
  );

  it.each(Object.entries(WRITES))(
    '%s: a body nested 40,000 levels deep is 400, and the process lives on',
    async (_name, write) => {
      const before = await snapshot();
      const res = await send(write, deepJson(40_000, write.fields[0]));
      expect(res.status).toBe(400);
      expect(documented(res)).toBe(true);
      expect(await snapshot()).toEqual(before);
      expect((await request(t.baseUrl).get('/health/live')).status).toBe(200);
    },
  );

  it('hostile path parameters on every route are documented answers, never 500', async () => {
    const routes: ((id: string) => request.Test)[] = [
      (id) => asTenant(t, acme).get(`/api/v1/agents/${id}`),
      (id) => asTenant(t, acme).put(`/api/v1/agents/${id}`, { trained: true }),
      (id) => asTenant(t, acme).get(`/api/v1/agents/${id}/channels`),
      (id) => asTenant(t, acme).get(`/api/v1/channels/${id}`),
      (id) => asTenant(t, acme).patch(`/api/v1/channels/${id}`, { title: 'x' }),
      (id) => asTenant(t, acme).post(`/api/v1/channels/${id}/rotate-token`),
      (id) => asTenant(t, acme).delete(`/api/v1/channels/${id}`),
      (id) => asTenant(t, acme).get(`/api/v1/channels/${id}/chats`),
      (id) => asTenant(t, acme).get(`/api/v1/channels/${channelId}/chats/${id}/messages`),
      (id) => asTenant(t, acme).post(`/api/v1/channels/${channelId}/chats/${id}/messages`, { text: 'hi' }),
      (id) => asTenant(t, acme).post(`/api/v1/messages/${id}/retry`),
      (id) => operator(t).post(`/api/v1/tenants/${id}/api-keys`),
      (id) => operator(t).delete(`/api/v1/tenants/${acme.id}/api-keys/${id}`),
    ];
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: routes.length - 1 }), hostileSegment, async (route, id) => {
        const res = await routes[route](id);
        expectDocumented({ route, id }, res);
      }),
      { numRuns: 300 },
    );
    // The seeded channel is still there: no hostile id reached it.
    expect((await asTenant(t, acme).get(`/api/v1/channels/${channelId}`)).status).toBe(200);
  }, 120_000);

  it('hostile cursors and limits on every list are 400 or a page, never 500', async () => {
    const lists = [
      '/api/v1/agents',
      '/api/v1/agents/a-1/channels',
      `/api/v1/channels/${channelId}/chats`,
      `/api/v1/channels/${channelId}/chats/7/messages`,
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...lists),
        hostileCursor,
        fc.option(hostileSegment, { nil: undefined }),
        async (list, cursor, limit) => {
          const query = `cursor=${cursor}${limit === undefined ? '' : `&limit=${limit}`}`;
          const res = await asTenant(t, acme).get(`${list}?${query}`);
          expectDocumented({ list, query }, res, [200, 400]);
        },
      ),
      { numRuns: 300 },
    );
  }, 120_000);

  it("the log has no error line: every refusal above was the client's fault", () => {
    expect(t.logs.filter((line) => /"level":(50|60)/.test(line))).toEqual([]);
  });
});
