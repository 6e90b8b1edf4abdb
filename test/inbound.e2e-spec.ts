import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { asTenant, makeAgent, makeChannel, makeTenant, type TestTenant } from './support/admin-api.js';
import { startFakeClientServer, type FakeClientServer } from './support/fake-client-server.js';
import { counts, dbQuery, postEvent, tokenOf, visitorEvent } from './support/inbound.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const NO_CHANNEL = { error: 'There is no active channel for received event.' };

describe('POST /{token}/bot_api_webhook: the status table, row by row', () => {
  let t: TestApp;
  let acme: TestTenant;
  let client: FakeClientServer;
  let token: string;
  let channelId: string;

  beforeAll(async () => {
    // HTTP only (an api replica): the Agent lane stays due, so the test sees exactly what the webhook wrote.
    t = await startTestApp({ env: { ROLE: 'api' } });
    client = await startFakeClientServer();
    acme = await makeTenant(t, 'Acme');
    await makeAgent(t, acme, 'a-1');
    const channel = await makeChannel(t, acme, 'a-1', { webhookUrl: client.url, active: true });
    token = tokenOf(channel);
    channelId = channel.id as string;
  });

  afterAll(async () => {
    await client?.close();
    await t?.close();
  });

  it('row 1: another method or path is 404 {"error":"Not found"}', async () => {
    for (const res of [
      await request(t.baseUrl).get(`/${token}/bot_api_webhook`),
      await request(t.baseUrl).put(`/${token}/bot_api_webhook`).send({}),
      await request(t.baseUrl).post(`/${token}/bot_api_webhook/extra`).send({}),
      await request(t.baseUrl).post(`/${token}/bot_api`).send({}),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: 'Not found' });
      expect(res.text).not.toContain(token);
    }
  });

  it('row 2: an unknown token or an inactive channel is 400 with the exact body, before the body is even read', async () => {
    const unknown = await postEvent(t, 'no-such-token', visitorEvent());
    expect(unknown.status).toBe(400);
    expect(unknown.text).toBe(JSON.stringify(NO_CHANNEL));
    const huge = await postEvent(t, 'no-such-token', 'x'.repeat(2 * 1024 * 1024));
    expect(huge.status).toBe(400);
    const inactive = await makeChannel(t, acme, 'a-1', { active: false });
    const res = await postEvent(t, tokenOf(inactive), visitorEvent());
    expect(res.status).toBe(400);
    expect(res.body).toEqual(NO_CHANNEL);
  });

  it('row 3: a body over 1 MiB is 413, with or without Content-Length', async () => {
    const before = await counts(t);
    const declared = await postEvent(t, token, { ...visitorEvent({ messageId: 'big' }), pad: 'x'.repeat(1024 * 1024) });
    expect(declared.status).toBe(413);
    expect(declared.body).toEqual({ error: 'Request body is larger than 1 MiB' });
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const url = new URL(`${t.baseUrl}/${token}/bot_api_webhook`);
      import('node:http').then(({ request: httpRequest }) => {
        const req = httpRequest(
          {
            host: url.hostname,
            port: url.port,
            path: url.pathname,
            method: 'POST',
            headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
          },
          (res) => {
            let body = '';
            res.on('data', (chunk: Buffer) => (body += chunk.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        const chunk = 'x'.repeat(64 * 1024);
        for (let i = 0; i < 20; i += 1) req.write(chunk);
        req.end();
      }, reject);
    });
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body)).toEqual({ error: 'Request body is larger than 1 MiB' });
    expect(await counts(t)).toEqual(before);
  });

  it.each([
    ['malformed JSON', '{"event": "new_message",'],
    ['a JSON array', '[1, 2, 3]'],
    ['a JSON string', '"hello"'],
    ['an empty body', ''],
  ])('row 4: %s is 500 {"error":"Invalid JSON in request body"}', async (_case, body) => {
    const res = await postEvent(t, token, body);
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: 'Invalid JSON in request body' });
  });

  it.each([
    ['event', { ...visitorEvent(), event: null }],
    ['chat_id', { ...visitorEvent(), chat_id: undefined }],
    ['visitor.id', { ...visitorEvent(), visitor: { fields: {} } }],
    ['message.kind', { ...visitorEvent(), message: { id: 'm', text: 'x' } }],
  ])('row 5: a missing %s is 400 naming it', async (path, body) => {
    const res = await postEvent(t, token, body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: `Missing required parameter: ${path}` });
  });

  it('row 6: another event or kind is 200 ignored, storing and sending nothing', async () => {
    const before = await counts(t);
    const event = await postEvent(t, token, { ...visitorEvent(), event: 'chat_rated' });
    expect(event.status).toBe(200);
    expect(event.body).toEqual({ result: 'ignored', reason: 'unsupported event "chat_rated"' });
    const kind = await postEvent(t, token, { ...visitorEvent(), message: { id: 'm-x', kind: 'sticker' } });
    expect(kind.status).toBe(200);
    expect(kind.body).toEqual({ result: 'ignored', reason: 'unsupported message kind "sticker"' });
    expect(await counts(t)).toEqual(before);
  });

  it('row 7: a kind-specific field missing is 400 naming it', async () => {
    const res = await postEvent(t, token, {
      ...visitorEvent(),
      message: { id: 'm', kind: 'file_visitor', data: { state: 'ready' } },
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'Missing required parameter: message.data.url' });
  });

  it('row 8: malformed content is 500 saying precisely what is wrong', async () => {
    const float = await postEvent(t, token, { ...visitorEvent(), chat_id: 10.5 });
    expect(float.status).toBe(500);
    expect(float.body).toEqual({
      error:
        'Invalid request body: chat_id must be an integer or a non-empty string of at most 255 characters, not a float',
    });
    const text = await postEvent(t, token, { ...visitorEvent(), message: { id: 'm', kind: 'visitor', text: 42 } });
    expect(text.status).toBe(500);
    expect(text.body).toEqual({ error: 'Invalid request body: message.text must be a string, not an integer' });
    const fields = await postEvent(t, token, { ...visitorEvent(), visitor: { id: 'v', fields: 'Ann' } });
    expect(fields.body).toEqual({ error: 'Invalid request body: visitor.fields must be an object, not a string' });
  });

  it('row 8: half a surrogate pair anywhere we store it is 500 naming the field, stores nothing and logs no error', async () => {
    t.logs.length = 0;
    const before = await counts(t);
    const cases: [string, Record<string, unknown>][] = [
      ['visitor.fields.name', { ...visitorEvent(), visitor: { id: 'v', fields: { name: 'Ann \ud83d' } } }],
      [
        'message.data.url',
        {
          ...visitorEvent(),
          message: { id: 'f-1', kind: 'file_visitor', data: { state: 'ready', url: 'https://files.example/\ude00' } },
        },
      ],
      [
        'message.data.button.text',
        { ...visitorEvent(), message: { id: 'k-1', kind: 'keyboard_response', data: { button: { text: '\ud83d' } } } },
      ],
      // Two distinct ids that the database would both have stored as "dup-\ufffd": neither is a duplicate of the other.
      ['message.id', visitorEvent({ messageId: 'dup-\ud800' })],
      ['message.id', visitorEvent({ messageId: 'dup-\ud801' })],
    ];
    for (const [path, body] of cases) {
      const res = await postEvent(t, token, body);
      expect(res.status).toBe(500);
      expect(res.body).toEqual({
        error: `Invalid request body: ${path} must be well-formed Unicode (it contains half of a surrogate pair)`,
      });
    }
    expect(await counts(t)).toEqual(before);
    expect(t.logs.filter((line) => /"level":(50|60)/.test(line))).toEqual([]);
    expect(t.logs.join('')).not.toContain('Ann');
  });

  it('row 9: a file that is not ready is ignored and stores nothing, so its ready copy is processed', async () => {
    const file = (state: string) => ({
      ...visitorEvent({ chatId: 'file-chat' }),
      message: {
        id: 'm-file',
        kind: 'file_visitor',
        data: { id: 'f-1', state, name: 'a.pdf', content_type: 'application/pdf', url: 'https://files.example/a.pdf' },
      },
    });
    const before = await counts(t);
    const uploading = await postEvent(t, token, file('upload'));
    expect(uploading.status).toBe(200);
    expect(uploading.body).toEqual({ result: 'ignored', reason: 'file is not ready' });
    expect(await counts(t)).toEqual(before);
    const ready = await postEvent(t, token, file('ready'));
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ result: 'ok' });
    const [stored] = await dbQuery(t, `SELECT text, kind FROM messages WHERE client_message_id = 'm-file'`);
    expect(stored).toEqual({ text: 'file:application/pdf|f-1|https://files.example/a.pdf', kind: 'file_visitor' });
  });

  it('rows 10 and 11: accepted once, stored with its chat, its Agent lane due; a repeat is a duplicate', async () => {
    const event = visitorEvent({
      chatId: 555,
      messageId: 'm-accept',
      text: 'Hi there',
      fields: { name: 'Ann', phone: '+1', unknown: 'x' },
    });
    const first = await postEvent(t, token, event);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ result: 'ok' });
    const [chat] = await dbQuery(
      t,
      `SELECT id, client_chat_id, client_chat_id_is_number, visitor_id, variables, tenant_id FROM chats WHERE channel_id = $1 AND client_chat_id = '555'`,
      [channelId],
    );
    expect(chat).toMatchObject({
      client_chat_id: '555',
      client_chat_id_is_number: true,
      visitor_id: 'v-77',
      variables: { name: 'Ann', phone: '+1' },
      tenant_id: acme.id,
    });
    const [message] = await dbQuery(
      t,
      `SELECT id, direction, kind, text, status, chat_id FROM messages WHERE client_message_id = 'm-accept'`,
    );
    expect(message).toMatchObject({
      direction: 'inbound',
      kind: 'visitor',
      text: 'Hi there',
      status: 'received',
      chat_id: chat.id,
    });
    const [lane] = await dbQuery(
      t,
      `SELECT agent_due_at <= now() AS due, agent_claimed_until, inbound_seq, send_due_at FROM chats WHERE id = $1`,
      [chat.id],
    );
    expect(lane).toEqual({ due: true, agent_claimed_until: null, inbound_seq: '1', send_due_at: null });

    const before = await counts(t);
    const again = await postEvent(t, token, { ...event, visitor: { id: 'v-other' } });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ result: 'ok', duplicate: true });
    expect(await counts(t)).toEqual(before);
    expect((await dbQuery(t, `SELECT visitor_id FROM chats WHERE id = $1`, [chat.id]))[0].visitor_id).toBe('v-77');
  });

  it('row 12: a database failure is 500 {"error":"Internal server error"} and writes nothing', async () => {
    const before = await counts(t);
    await dbQuery(t, 'ALTER TABLE messages RENAME TO messages_away');
    try {
      const res = await postEvent(t, token, visitorEvent({ chatId: 'fail-chat', messageId: 'm-fail' }));
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ error: 'Internal server error' });
    } finally {
      await dbQuery(t, 'ALTER TABLE messages_away RENAME TO messages');
    }
    expect(await counts(t)).toEqual(before);
    const retried = await postEvent(t, token, visitorEvent({ chatId: 'fail-chat', messageId: 'm-fail' }));
    expect(retried.body).toEqual({ result: 'ok' });
  });

  it('keeps a string chat_id a string and the latest visitor values', async () => {
    await postEvent(
      t,
      token,
      visitorEvent({ chatId: 'abc-1', messageId: 's-1', fields: { name: 'Ann', email: 'old@example.com' } }),
    ).expect(200);
    await postEvent(
      t,
      token,
      visitorEvent({ chatId: 'abc-1', messageId: 's-2', visitorId: 'v-new', fields: { email: 'new@example.com' } }),
    ).expect(200);
    const [chat] = await dbQuery(
      t,
      `SELECT client_chat_id_is_number, visitor_id, variables FROM chats WHERE client_chat_id = 'abc-1'`,
    );
    expect(chat).toEqual({
      client_chat_id_is_number: false,
      visitor_id: 'v-new',
      variables: { name: 'Ann', email: 'new@example.com' },
    });
  });

  it('stores a keyboard response as its button label', async () => {
    await postEvent(t, token, {
      ...visitorEvent({ chatId: 9 }),
      message: { id: 'k-1', kind: 'keyboard_response', data: { button: { id: '1', text: 'Yes' } } },
    }).expect(200);
    const [row] = await dbQuery(t, `SELECT text, payload FROM messages WHERE client_message_id = 'k-1'`);
    expect(row).toEqual({ text: 'Yes', payload: { button: { id: '1', text: 'Yes' } } });
  });

  it('20 concurrent copies of one event store one message and make its chat due once; the others are duplicates', async () => {
    const event = visitorEvent({ chatId: 'race', messageId: 'm-race' });
    const answers = await Promise.all(Array.from({ length: 20 }, () => postEvent(t, token, event)));
    expect(answers.map((res) => res.status)).toEqual(Array(20).fill(200));
    expect(answers.filter((res) => res.body.duplicate !== true).map((res) => res.body)).toEqual([{ result: 'ok' }]);
    expect(answers.filter((res) => res.body.duplicate === true)).toHaveLength(19);
    const messages = await dbQuery(t, `SELECT id FROM messages WHERE client_message_id = 'm-race'`);
    expect(messages).toHaveLength(1);
    const [lane] = await dbQuery(t, `SELECT agent_due_at <= now() AS due FROM chats WHERE client_chat_id = 'race'`);
    expect(lane).toEqual({ due: true });
  });

  it('logs one line per request with the route template and status, never the token', async () => {
    t.logs.length = 0;
    await postEvent(t, token, visitorEvent({ messageId: 'log-1' })).expect(200);
    const lines = t.logs.map(
      (line) => JSON.parse(line) as { route?: string; res?: { statusCode?: number }; msg?: string },
    );
    expect(
      lines.filter((line) => line.route === '/:token/bot_api_webhook' && line.res?.statusCode === 200),
    ).toHaveLength(1);
    expect(t.logs.join('')).not.toContain(token);
  });

  it('a misrouted URL or a query string never puts a token or a key in a log line', async () => {
    t.logs.length = 0;
    const misrouted = [
      `/${token}/bot_api_hook`,
      `/${token}/BOT_API_WEBHOOK`,
      `/${token}`,
      `/${token}/send_message`,
      `/${token}%2Fbot_api_webhook`,
      `/${token}/bot_api_webhook?token=${token}`,
    ];
    for (const path of misrouted)
      await request(t.baseUrl)
        .post(path)
        .send(visitorEvent({ messageId: 'misrouted' }));
    await request(t.baseUrl)
      .get(`/api/v1/agents?key=${acme.apiKey}&limit=1`)
      .set('authorization', `Bearer ${acme.apiKey}`)
      .set('referer', `https://console.example/${token}?key=${acme.apiKey}`)
      .expect(200);
    const logged = t.logs.join('');
    expect(logged).not.toContain(token);
    expect(logged).not.toContain(encodeURIComponent(token));
    expect(logged).not.toContain(acme.apiKey);
    expect(logged).not.toContain(acme.apiKey.slice(4));
    // What the lines keep: method, status, the route template or "(unmatched)", and a redacted path.
    const lines = t.logs.map((line) => JSON.parse(line) as { req?: { url?: string }; res?: { statusCode?: number } });
    expect(lines.map((line) => line.req?.url).filter(Boolean)).toEqual(
      expect.arrayContaining([
        '/[REDACTED]/bot_api_hook',
        '/[REDACTED]',
        '/api/v1/agents?key=[REDACTED]&limit=[REDACTED]',
      ]),
    );
  });

  describe('deactivating, rotating or deleting a channel', () => {
    async function activeChannel(): Promise<{ id: string; token: string }> {
      const channel = await makeChannel(t, acme, 'a-1', { webhookUrl: client.url, active: true });
      await postEvent(t, tokenOf(channel), visitorEvent({ messageId: `warm-${channel.id}` })).expect(200);
      return { id: channel.id as string, token: tokenOf(channel) };
    }

    it('deactivation turns the URL into 400 at once', async () => {
      const channel = await activeChannel();
      await asTenant(t, acme).patch(`/api/v1/channels/${channel.id}`, { active: false }).expect(200);
      expect((await postEvent(t, channel.token, visitorEvent({ messageId: 'after-off' }))).body).toEqual(NO_CHANNEL);
    });

    it('rotation turns the old URL into 400 at once and the new one works', async () => {
      const channel = await activeChannel();
      const rotated = await asTenant(t, acme).post(`/api/v1/channels/${channel.id}/rotate-token`).expect(200);
      expect((await postEvent(t, channel.token, visitorEvent({ messageId: 'after-rotate' }))).body).toEqual(NO_CHANNEL);
      expect((await postEvent(t, tokenOf(rotated.body), visitorEvent({ messageId: 'after-rotate' }))).body).toEqual({
        result: 'ok',
      });
    });

    it('deletion turns the URL into 400 at once', async () => {
      const channel = await activeChannel();
      await asTenant(t, acme).delete(`/api/v1/channels/${channel.id}`).expect(204);
      expect((await postEvent(t, channel.token, visitorEvent({ messageId: 'after-delete' }))).body).toEqual(NO_CHANNEL);
    });

    it('a channel deleted or deactivated while its webhooks are in flight answers row 2, never 500', async () => {
      t.logs.length = 0;
      for (const change of ['delete', 'deactivate'] as const) {
        const channel = await activeChannel();
        const posts = Array.from({ length: 120 }, (_, n) =>
          postEvent(
            t,
            channel.token,
            visitorEvent({ chatId: `race-${change}-${n % 7}`, messageId: `race-${change}-${n}` }),
          ),
        );
        const admin = asTenant(t, acme);
        const changed =
          change === 'delete'
            ? admin.delete(`/api/v1/channels/${channel.id}`).expect(204)
            : admin.patch(`/api/v1/channels/${channel.id}`, { active: false }).expect(200);
        const [answers] = await Promise.all([Promise.all(posts), changed]);
        for (const res of answers) {
          expect([200, 400]).toContain(res.status);
          if (res.status === 400) expect(res.body).toEqual(NO_CHANNEL);
        }
        expect((await postEvent(t, channel.token, visitorEvent({ messageId: `after-${change}` }))).body).toEqual(
          NO_CHANNEL,
        );
      }
      expect(t.logs.filter((line) => /"level":(50|60)/.test(line))).toEqual([]);
    });

    it('a replica whose lookup still holds the channel stores nothing once it is deleted or deactivated: row 2 at once', async () => {
      const replica = await startTestApp({ database: t.database, env: { ROLE: 'api' } });
      try {
        for (const change of ['delete', 'deactivate'] as const) {
          const channel = await activeChannel();
          // The replica has just looked the token up, so its cache holds the channel for the next 500 ms.
          await postEvent(replica, channel.token, visitorEvent({ messageId: `cached-${change}` })).expect(200);
          if (change === 'delete') await asTenant(t, acme).delete(`/api/v1/channels/${channel.id}`).expect(204);
          else await asTenant(t, acme).patch(`/api/v1/channels/${channel.id}`, { active: false }).expect(200);
          const res = await postEvent(replica, channel.token, visitorEvent({ messageId: `stale-${change}` }));
          expect({ status: res.status, body: res.body }).toEqual({ status: 400, body: NO_CHANNEL });
          const [stored] = await dbQuery<{ n: number }>(
            t,
            `SELECT count(*)::int AS n FROM messages WHERE client_message_id = $1`,
            [`stale-${change}`],
          );
          expect(stored.n).toBe(0);
        }
        expect(replica.logs.filter((line) => /"level":(50|60)/.test(line))).toEqual([]);
      } finally {
        await replica.close();
      }
    });

    it('another replica sees a deactivation within 1 s', async () => {
      const replica = await startTestApp({ database: t.database, env: { ROLE: 'api' } });
      try {
        const channel = await activeChannel();
        await postEvent(replica, channel.token, visitorEvent({ messageId: 'replica-warm' })).expect(200);
        await asTenant(t, acme).patch(`/api/v1/channels/${channel.id}`, { active: false }).expect(200);
        await new Promise((resolve) => setTimeout(resolve, 1000));
        expect((await postEvent(replica, channel.token, visitorEvent({ messageId: 'replica-after' }))).body).toEqual(
          NO_CHANNEL,
        );
      } finally {
        await replica.close();
      }
    });
  });
});
