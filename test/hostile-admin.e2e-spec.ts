import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { runMigrations } from '#database';
import { SCHEMA } from '../apps/channel-service/src/schema.js';
import { asTenant, makeAgent, makeChannel, makeTenant, operator, type TestTenant } from './support/admin-api.js';
import { dbQuery, postEvent, tokenOf, visitorEvent } from './support/inbound.js';
import { bootService } from './support/service-process.js';
import { eventually } from './support/outbound.js';
import { TEST_ADMIN_TOKEN, startTestApp, type TestApp } from './support/test-app.js';
import { createTestDatabase } from './support/test-database.js';

/** Every row the admin API can write, as PostgreSQL holds it: compared before and after each refused request. */
async function snapshot(t: TestApp): Promise<string> {
  const [row] = await dbQuery<{ state: unknown }>(
    t,
    `SELECT json_build_object(
       'tenants', (SELECT json_agg(x ORDER BY x.id) FROM tenants x),
       'api_keys', (SELECT json_agg(x ORDER BY x.id) FROM api_keys x),
       'agents', (SELECT json_agg(x ORDER BY x.tenant_id, x.agent_id) FROM agents x),
       'channels', (SELECT json_agg(x ORDER BY x.id) FROM channels x),
       'chats', (SELECT json_agg(x ORDER BY x.id) FROM chats x),
       'messages', (SELECT json_agg(x ORDER BY x.id) FROM messages x)) AS state`,
  );
  return JSON.stringify(row.state);
}

type Caller = 'operator' | 'tenant';
interface Call {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  /** An object is sent as JSON; a string is sent as it is, as JSON (what JSON.stringify cannot build). */
  body?: object | string;
  as?: Caller;
}

describe('hostile admin input (issue 11)', () => {
  let t: TestApp;
  let acme: TestTenant;
  let keyId: string;
  let channelId: string;
  let chatId: string;
  let messageId: string;

  const send = (call: Call, bearer?: string): request.Test => {
    const token = bearer ?? (call.as === 'operator' ? TEST_ADMIN_TOKEN : acme.apiKey);
    const req = request(t.baseUrl)[call.method](call.path).set('authorization', `Bearer ${token}`);
    if (typeof call.body === 'string') return req.set('content-type', 'application/json').send(call.body);
    return call.body === undefined ? req : req.send(call.body);
  };

  /** Sends `call`, expects `status` and `code`, and checks that nothing the admin API can write has changed. */
  async function refused(call: Call, status: number, code: string): Promise<request.Response> {
    const before = await snapshot(t);
    const res = await send(call);
    expect({ call: `${call.method} ${call.path}`, status: res.status, code: res.body?.code }).toEqual({
      call: `${call.method} ${call.path}`,
      status,
      code,
    });
    expect(await snapshot(t)).toBe(before);
    return res;
  }

  beforeAll(async () => {
    // HTTP only: no Agent bridge writing rows while the tests compare snapshots.
    t = await startTestApp({ env: { ROLE: 'api', LOG_LEVEL: 'fatal' } });
    acme = await makeTenant(t, 'Acme');
    keyId = (await operator(t).post(`/api/v1/tenants/${acme.id}/api-keys`)).body.id as string;
    await makeAgent(t, acme, 'a-1');
    const channel = await makeChannel(t, acme, 'a-1', { webhookToken: 'tok-1' });
    channelId = channel.id as string;
    await asTenant(t, acme).patch(`/api/v1/channels/${channelId}`, { active: true });
    for (let n = 1; n <= 3; n += 1)
      await postEvent(t, tokenOf(channel), visitorEvent({ chatId: 'c-1', messageId: `m-${n}` })).expect(200);
    chatId = (await asTenant(t, acme).get(`/api/v1/channels/${channelId}/chats`)).body.items[0].id as string;
    messageId = (await asTenant(t, acme).get(`/api/v1/channels/${channelId}/chats/${chatId}/messages`)).body.items[0]
      .id as string;
  });

  afterAll(async () => {
    await t?.close();
  });

  describe('A. NUL and lone surrogates in any string of an admin write: 400 naming the field', () => {
    const channelBody = { type: 'omnichannel', webhookUrl: 'https://client.example.com/chat' };
    const writes = (bad: string): [string, () => Call, string][] => [
      [
        'tenant name',
        () => ({ method: 'post', path: '/api/v1/tenants', body: { name: `Ac${bad}me` }, as: 'operator' }),
        'name',
      ],
      [
        'agent title',
        () => ({ method: 'put', path: '/api/v1/agents/a-1', body: { title: bad, trained: true } }),
        'title',
      ],
      [
        'channel title',
        () => ({ method: 'post', path: '/api/v1/agents/a-1/channels', body: { ...channelBody, title: `x${bad}` } }),
        'title',
      ],
      [
        'webhookUrl path',
        () => ({
          method: 'post',
          path: '/api/v1/agents/a-1/channels',
          body: { ...channelBody, webhookUrl: `https://client.example.com/ch${bad}at` },
        }),
        'webhookUrl',
      ],
      [
        'webhookUrl query',
        () => ({
          method: 'patch',
          path: `/api/v1/channels/${channelId}`,
          body: { webhookUrl: `https://client.example.com/?k=${bad}` },
        }),
        'webhookUrl',
      ],
      [
        'webhookToken',
        () => ({
          method: 'post',
          path: '/api/v1/agents/a-1/channels',
          body: { ...channelBody, webhookToken: `tok${bad}` },
        }),
        'webhookToken',
      ],
      [
        'patched title',
        () => ({ method: 'patch', path: `/api/v1/channels/${channelId}`, body: { title: bad } }),
        'title',
      ],
      [
        'patched webhookToken',
        () => ({ method: 'patch', path: `/api/v1/channels/${channelId}`, body: { webhookToken: bad } }),
        'webhookToken',
      ],
      [
        'message text',
        () => ({
          method: 'post',
          path: `/api/v1/channels/${channelId}/chats/${chatId}/messages`,
          body: { text: `hi ${bad}` },
        }),
        'text',
      ],
      [
        'file name',
        () => ({
          method: 'post',
          path: `/api/v1/channels/${channelId}/chats/${chatId}/messages`,
          body: { file: { url: 'https://f.example.com/a.pdf', name: bad } },
        }),
        'file.name',
      ],
      [
        'button text',
        () => ({
          method: 'post',
          path: `/api/v1/channels/${channelId}/chats/${chatId}/messages`,
          body: {
            buttons: [
              [
                { id: '1', text: 'ok' },
                { id: '2', text: bad },
              ],
            ],
          },
        }),
        'buttons[0][1].text',
      ],
      [
        'a property name',
        () => ({
          method: 'post',
          path: `/api/v1/channels/${channelId}/chats/${chatId}/messages`,
          body: { text: 'hi', file: { url: 'https://f.example.com/a', [`x${bad}`]: 1 } },
        }),
        'file',
      ],
    ];

    it.each([
      ['NUL', '\u0000', 'must not contain NUL'],
      ['a lone high surrogate', '\ud83d', 'must be well-formed Unicode'],
      ['a lone low surrogate', '\ude00', 'must be well-formed Unicode'],
    ])(
      '%s: every write answers 400 VALIDATION_FAILED naming the field, and changes nothing',
      async (_name, bad, message) => {
        for (const [what, call, field] of writes(bad)) {
          const res = await refused(call(), 400, 'VALIDATION_FAILED');
          expect({ what, error: res.body.error, details: res.body.details }).toEqual({
            what,
            error: `The request is invalid: check ${field}.`,
            details: [{ field, message: expect.stringContaining(message) }],
          });
        }
      },
    );

    it('well-formed text, emoji included, is still stored as sent', async () => {
      const res = await asTenant(t, acme).put('/api/v1/agents/a-emoji', { title: 'Bot 😀 ü', trained: true });
      expect(res.status).toBe(201);
      expect((await asTenant(t, acme).get('/api/v1/agents/a-emoji')).body.title).toBe('Bot 😀 ü');
    });
  });

  const decodes = (segment: string): boolean => {
    try {
      decodeURIComponent(segment);
      return true;
    } catch {
      return false;
    }
  };

  describe('B. ill-formed path parameters are answered 404 (400 for the agent PUT creates), never 500', () => {
    const HOSTILE = ['%00', 'x%00y', '%ED%A0%BD', '%F0%9F%98', '%C0%80', 'not-a-uuid', '-'.repeat(36), 'a'.repeat(300)];

    it('every documented admin route with a path parameter, every parameter, every hostile value', async () => {
      const paths = (await request(t.baseUrl).get('/docs-json')).body.paths as Record<string, Record<string, unknown>>;
      const valid: Record<string, string> = {
        tenantId: acme.id,
        keyId,
        agentId: 'a-1',
        channelId,
        chatId,
        messageId,
        visitorId: 'v-77',
      };
      const bodies: Record<string, object> = {
        'put /api/v1/agents/{agentId}': { trained: true },
        'post /api/v1/agents/{agentId}/channels': { type: 'omnichannel', webhookUrl: 'https://c.example.com' },
        'patch /api/v1/channels/{channelId}': { title: 'renamed' },
        'post /api/v1/channels/{channelId}/chats/{chatId}/messages': { text: 'hi' },
      };
      let tried = 0;
      for (const [template, operations] of Object.entries(paths)) {
        const params = [...template.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
        if (!template.startsWith('/api/') || params.length === 0) continue;
        for (const method of Object.keys(operations) as Call['method'][]) {
          for (const param of params) {
            expect({ template, param, known: param in valid }).toEqual({ template, param, known: true });
            for (const hostile of HOSTILE) {
              // PUT creates the agent: an id it cannot take is a validation error (docs/admin-api.md). A path that
              // does not even decode names no route: 404 like any unknown path.
              const creates = method === 'put' && param === 'agentId' && decodes(hostile);
              if (creates && /^[A-Za-z0-9_.-]{1,64}$/.test(hostile)) continue; // a fine id for a new agent
              const path = template.replace(/\{(\w+)\}/g, (_m, name: string) =>
                name === param ? hostile : valid[name],
              );
              // A visitor id is the client's free text: one no visitor has is an unknown visitor (200, nothing erased,
              // an empty export), ill-formed text included; only a path that does not decode names no route.
              if (param === 'visitorId' && decodes(hostile)) {
                const before = await snapshot(t);
                const res = await send({ method, path });
                expect({ path, status: res.status }).toEqual({ path, status: 200 });
                expect(await snapshot(t)).toBe(before);
                tried += 1;
                continue;
              }
              const res = await refused(
                {
                  method,
                  path,
                  body: bodies[`${method} ${template}`],
                  as: template.startsWith('/api/v1/tenants') ? 'operator' : 'tenant',
                },
                creates ? 400 : 404,
                creates ? 'VALIDATION_FAILED' : 'NOT_FOUND',
              );
              expect(JSON.stringify(res.body)).not.toContain(hostile);
              tried += 1;
            }
          }
        }
      }
      expect(tried).toBeGreaterThanOrEqual(15 * HOSTILE.length);
    });
  });

  describe('C. malformed page cursors are 400 before any SQL', () => {
    const cursor = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');
    const uuid = '5b0c0f5e-8d6a-4a53-9a43-6f0d3a1f2b7c';

    it.each([
      ['a position past bigint', cursor(`9999999999999999999:${uuid}`), 'out of range'],
      ['a position past what a timestamp holds', cursor(`9223372036854775807:${uuid}`), 'out of range'],
      ['a position past 2^53', cursor(`9007199254740992:${uuid}`), 'out of range'],
      ['an id of dashes', cursor('1:------------------------------------'), 'not a uuid'],
      ['an id of the wrong shape', cursor('1:5b0c0f5e8d6a-4a53-9a43-6f0d3a1f2b7c-'), 'not a uuid'],
      ['not base64url', 'a.b*c', 'nextCursor'],
    ])('%s', async (_name, value, message) => {
      for (const path of [
        `/api/v1/channels/${channelId}/chats?cursor=${value}`,
        `/api/v1/channels/${channelId}/chats/${chatId}/messages?cursor=${value}`,
      ]) {
        const res = await refused({ method: 'get', path }, 400, 'VALIDATION_FAILED');
        expect(res.body).toEqual({
          error: 'The request is invalid: check cursor.',
          code: 'VALIDATION_FAILED',
          details: [{ field: 'cursor', message: expect.stringContaining(message) }],
        });
      }
    });

    it('a real nextCursor still pages', async () => {
      const first = await asTenant(t, acme).get(`/api/v1/channels/${channelId}/chats/${chatId}/messages?limit=2`);
      const next = await asTenant(t, acme).get(
        `/api/v1/channels/${channelId}/chats/${chatId}/messages?limit=2&cursor=${first.body.nextCursor}`,
      );
      expect(next.status).toBe(200);
      expect(next.body.items).toHaveLength(1);
    });
  });

  describe('D. deeply nested admin bodies are 400 before class-transformer sees them', () => {
    // Raw JSON: JSON.stringify itself overflows the stack on such values.
    const deep = (levels: number): string => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
    const deepArray = (levels: number): string => `${'['.repeat(levels)}${']'.repeat(levels)}`;

    it('40,000 levels in any field, and the limit itself, answer 400 naming the field', async () => {
      const calls: [Call, string][] = [
        [{ method: 'post', path: '/api/v1/tenants', body: `{"name":${deep(40_000)}}`, as: 'operator' }, 'name'],
        [{ method: 'put', path: '/api/v1/agents/a-1', body: `{"trained":true,"title":${deep(40_000)}}` }, 'title'],
        [
          { method: 'patch', path: `/api/v1/channels/${channelId}`, body: `{"webhookUrl":${deepArray(40_000)}}` },
          'webhookUrl',
        ],
        [
          {
            method: 'post',
            path: `/api/v1/channels/${channelId}/chats/${chatId}/messages`,
            body: `{"file":${deep(40_000)}}`,
          },
          'file',
        ],
        [
          {
            method: 'post',
            path: `/api/v1/channels/${channelId}/chats/${chatId}/messages`,
            body: `{"buttons":${deepArray(32)}}`,
          },
          'buttons',
        ],
      ];
      for (const [call, field] of calls) {
        const res = await refused(call, 400, 'VALIDATION_FAILED');
        expect(res.body).toEqual({
          error: `The request is invalid: check ${field}.`,
          code: 'VALIDATION_FAILED',
          details: [{ field, message: `${field} is nested more than 32 levels deep` }],
        });
      }
    });

    it('31 levels below the body (32 in all) pass the depth check and meet the usual validation', async () => {
      const res = await refused(
        {
          method: 'post',
          path: `/api/v1/channels/${channelId}/chats/${chatId}/messages`,
          body: `{"buttons":${deepArray(31)}}`,
        },
        400,
        'VALIDATION_FAILED',
      );
      expect(res.body.details).toEqual([{ field: 'buttons[0][0]', message: expect.stringContaining('must be {"id"') }]);
    });
  });

  describe('F. webhookToken is visible ASCII; webhookUrl is stored normalised', () => {
    it.each([
      ['CR LF', 'tok\r\nX-Injected: 1'],
      ['a space', 'tok en'],
      ['a tab', 'tok\ten'],
      ['Latin-1', 'tøken'],
      ['beyond Latin-1', 'tok€n'],
      ['DEL', 'tok\u007f'],
    ])('a webhookToken with %s is 400 on create and on PATCH', async (_name, token) => {
      for (const call of [
        {
          method: 'post',
          path: '/api/v1/agents/a-1/channels',
          body: { type: 'omnichannel', webhookUrl: 'https://c.example.com', webhookToken: token },
        },
        { method: 'patch', path: `/api/v1/channels/${channelId}`, body: { webhookToken: token } },
      ] as Call[]) {
        const res = await refused(call, 400, 'VALIDATION_FAILED');
        expect(res.body.details).toEqual([
          {
            field: 'webhookToken',
            message:
              'webhookToken must be visible ASCII characters (0x21 to 0x7E): no spaces, line breaks or other characters',
          },
        ]);
      }
    });

    it('stores the WHATWG href of webhookUrl, on create and on PATCH', async () => {
      const created = await asTenant(t, acme).post('/api/v1/agents/a-1/channels', {
        type: 'omnichannel',
        webhookUrl: '  HTTPS://Client.Example.COM:443/a/../chat?q=a b  ',
        webhookToken: '~!visible-ASCII_0123456789"\'`{}',
      });
      expect(created.status).toBe(201);
      expect(created.body.webhookUrl).toBe('https://client.example.com/chat?q=a%20b');
      const [row] = await dbQuery<{ webhook_url: string }>(t, 'SELECT webhook_url FROM channels WHERE id = $1', [
        created.body.id,
      ]);
      expect(row.webhook_url).toBe('https://client.example.com/chat?q=a%20b');
      const patched = await asTenant(t, acme).patch(`/api/v1/channels/${created.body.id}`, {
        webhookUrl: '\thttps://CLIENT.example.com/chat?q=a%20b\n',
      });
      expect(patched.status).toBe(200);
      // The same URL once normalised: the stored token stays.
      expect(patched.body).toMatchObject({
        webhookUrl: 'https://client.example.com/chat?q=a%20b',
        webhookTokenSet: true,
      });
    });
  });
});

/**
 * Writes `head`, then `body` one byte every `everyMs`; resolves with what came back once the server has closed the
 * connection or answered in full, or after `waitMs`.
 */
async function exchange(
  baseUrl: string,
  head: string,
  options: { body?: string; everyMs?: number; waitMs?: number } = {},
): Promise<{ response: string; closed: boolean }> {
  const socket = connect(Number(new URL(baseUrl).port), '127.0.0.1');
  socket.on('error', () => undefined);
  let response = '';
  let closed = false;
  let giveUp: NodeJS.Timeout | undefined;
  const answered = (): boolean => {
    const [headers, ...rest] = response.split('\r\n\r\n');
    const length = /content-length: (\d+)/i.exec(headers)?.[1];
    return length !== undefined && Buffer.byteLength(rest.join('\r\n\r\n'), 'latin1') >= Number(length);
  };
  const done = new Promise<void>((resolve) => {
    giveUp = setTimeout(resolve, options.waitMs ?? 15_000);
    socket.on('data', (chunk: Buffer) => {
      response += chunk.toString('latin1');
      if (answered()) resolve();
    });
    socket.on('close', () => {
      closed = true;
      resolve();
    });
  });
  socket.write(head);
  const body = [...(options.body ?? '')];
  const trickle = setInterval(() => {
    const next = body.shift();
    if (next !== undefined && !socket.destroyed) socket.write(next);
  }, options.everyMs ?? 100);
  await done;
  clearTimeout(giveUp);
  clearInterval(trickle);
  socket.destroy();
  return { response, closed };
}

function jsonOf(response: string): unknown {
  const body = response.split('\r\n\r\n').slice(1).join('\r\n\r\n');
  return body ? JSON.parse(body) : undefined;
}

describe('E. slow requests and bodies before authentication', () => {
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    t = await startTestApp({
      env: { ROLE: 'api', LOG_LEVEL: 'warn', HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_REQUEST_TIMEOUT_MS: '2000' },
    });
    const tenant = await makeTenant(t, 'Acme');
    await makeAgent(t, tenant, 'a-1');
    token = tokenOf(await makeChannel(t, tenant, 'a-1', { active: true }));
  });

  afterAll(async () => {
    await t?.close();
  });

  const head = (path: string, headers: string[]): string =>
    [`POST ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Content-Type: application/json', ...headers, '', ''].join('\r\n');

  it('refuses an admin body at once, unread, unless the caller is authenticated', async () => {
    const before = await snapshot(t);
    for (const authorization of [
      [],
      ['Authorization: Bearer nope'],
      [`Authorization: Basic ${TEST_ADMIN_TOKEN}`],
      [`Authorization: Bearer ${TEST_ADMIN_TOKEN}x`],
      [`Authorization: Bearer csk_${'A'.repeat(43)}`],
    ]) {
      // 200 kB announced, none sent: only an answer that does not wait for the body can come back.
      const { response } = await exchange(
        t.baseUrl,
        head('/api/v1/tenants', ['Content-Length: 200000', ...authorization]),
      );
      expect({ authorization, status: response.split('\r\n')[0] }).toEqual({
        authorization,
        status: 'HTTP/1.1 401 Unauthorized',
      });
      expect(jsonOf(response)).toEqual({
        error: 'Missing or invalid credentials: send Authorization: Bearer <token>.',
        code: 'UNAUTHORIZED',
      });
    }
    // Outside the admin API no route takes a body: more than 4 KiB is refused without being parsed or kept.
    const over = await request(t.baseUrl)
      .post('/health/live')
      .set('content-type', 'application/json')
      .send(`"${'x'.repeat(4096)}"`);
    expect(over.status).toBe(413);
    expect(over.body).toEqual({ error: 'The request body is too large.', code: 'PAYLOAD_TOO_LARGE' });
    expect(await snapshot(t)).toBe(before);
    // An authenticated caller's body is read as before.
    const created = await operator(t).post('/api/v1/tenants', { name: 'Initech' });
    expect(created.status).toBe(201);
  });

  it('cuts off a trickled admin body, and slow headers, at the server deadlines (408, connection closed)', async () => {
    const before = await snapshot(t);
    const body = JSON.stringify({ name: 'x'.repeat(200) });
    const trickled = await exchange(
      t.baseUrl,
      head('/api/v1/tenants', [`Authorization: Bearer ${TEST_ADMIN_TOKEN}`, `Content-Length: ${body.length}`]),
      { body },
    );
    expect(trickled).toMatchObject({ closed: true, response: expect.stringMatching(/^HTTP\/1\.1 408 /) });
    const slowHeaders = await exchange(t.baseUrl, 'POST /api/v1/tenants HTTP/1.1\r\nHost: 127.0.0.1\r\n', {
      body: 'X-Slow: '.padEnd(200, 'x'),
    });
    expect(slowHeaders).toMatchObject({ closed: true, response: expect.stringMatching(/^HTTP\/1\.1 408 /) });
    expect(await snapshot(t)).toBe(before);
  });

  it('cuts off a trickled webhook body too, storing nothing', async () => {
    const before = await snapshot(t);
    const body = JSON.stringify(visitorEvent({ messageId: 'slow' }));
    const trickled = await exchange(t.baseUrl, head(`/${token}/bot_api_webhook`, [`Content-Length: ${body.length}`]), {
      body,
    });
    expect(trickled).toMatchObject({ closed: true, response: expect.stringMatching(/^HTTP\/1\.1 408 /) });
    expect(await snapshot(t)).toBe(before);
    // The client's doing, not a failure of ours: the request's line is a warn 408 naming the deadline, no error line.
    const line = await eventually(() =>
      t.logs.find((logged) => logged.includes('bot_api_webhook') && logged.includes('"statusCode":408')),
    );
    expect(line).toContain('"level":40');
    expect(line).toContain('The request body did not arrive in full before the request deadline');
    expect(t.logs.filter((line) => /"level":(50|60)/.test(line))).toEqual([]);
    // The server is still well: a whole event is accepted.
    await postEvent(t, token, visitorEvent({ messageId: 'fast' })).expect(200, { result: 'ok' });
  });
});

describe('G. the development banner shows the operator token only when the service generated it', () => {
  it('a PLATFORM_ADMIN_TOKEN given in the environment is not printed', async () => {
    const database = await createTestDatabase();
    await runMigrations(database.url, SCHEMA);
    const { service, url } = await bootService(database.url, { NODE_ENV: 'development' });
    try {
      expect((await fetch(`${url}/health/ready`)).status).toBe(200);
      expect(service.output()).toContain('API docs:');
      expect(service.output()).not.toContain(TEST_ADMIN_TOKEN);
      expect(service.output()).not.toContain('Operator token');
      // The given token works all the same.
      const tenants = await fetch(`${url}/api/v1/tenants`, {
        headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
      });
      expect(tenants.status).toBe(200);
    } finally {
      service.child.kill('SIGTERM');
      await service.exited;
      await database.drop();
    }
  });
});
