import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import {
  asTenant,
  listMessages,
  makeActiveChannel,
  makeAgent,
  makeChannel,
  makeTenant,
  type ListedMessage as Message,
  type TestTenant,
} from './support/admin-api.js';
import { startFakeClientServer, type FakeClientServer, type RecordedRequest } from './support/fake-client-server.js';
import { dbQuery, postEvent, tokenOf, visitorEvent } from './support/inbound.js';
import { eventually, sendMessages } from './support/outbound.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const idempotencyKey = (sent: RecordedRequest): string => String(sent.headers['idempotency-key']);
const textOf = (sent: RecordedRequest): unknown => (sent.json as { message: { text?: string } }).message.text;

describe('send_message dispatch (protocol section 2)', () => {
  let t: TestApp;
  let client: FakeClientServer;
  let acme: TestTenant;
  let chatSeq = 0;

  const channel = (overrides: { webhookUrl?: string; webhookToken?: string } = {}) =>
    makeActiveChannel(t, acme, 'a-1', { webhookUrl: `${client.url}/hooks`, ...overrides });

  const outbound = async (channelId: string, chatId: number | string): Promise<Message[]> =>
    (await listMessages(t, acme, channelId, chatId)).filter((message) => message.direction === 'outbound');

  function sendsFor(chatId: number | string): RecordedRequest[] {
    return sendMessages(client).filter((sent) => (sent.json as { chat_id: unknown }).chat_id === chatId);
  }

  beforeAll(async () => {
    t = await startTestApp();
    client = await startFakeClientServer();
    acme = await makeTenant(t, 'Acme');
    await makeAgent(t, acme, 'a-1');
  });

  beforeEach(() => {
    chatSeq += 1;
    client.respondWith(() => ({ status: 200, body: {} }));
  });

  afterAll(async () => {
    await client?.close();
    await t?.close();
  });

  it('sends the echo reply as an operator message with the documented headers, echoing chat_id with its type', async () => {
    const { id, token } = await channel({
      webhookUrl: `${client.url}/hooks/?k=1&x=a%20b`,
      webhookToken: 'client-secret-1',
    });
    await postEvent(t, token, visitorEvent({ chatId: 'str-chat', messageId: 'w-1', text: 'hello' })).expect(200);
    const [sent] = await eventually(() => (sendsFor('str-chat').length > 0 ? sendsFor('str-chat') : undefined));
    expect(sent.method).toBe('POST');
    expect(sent.url).toBe('/hooks/send_message?k=1&x=a%20b');
    expect(sent.headers.authorization).toBe('Token client-secret-1');
    expect(sent.headers['content-type']).toBe('application/json');
    expect(sent.headers['user-agent']).toBe('channel-service/0.1.0');
    const [stored] = await outbound(id, 'str-chat');
    expect(sent.headers['idempotency-key']).toBe(stored.id);
    expect(sent.json).toEqual({
      chat_id: 'str-chat',
      message: { id: stored.id, kind: 'operator', text: 'Echo: hello' },
    });
    expect(stored).toMatchObject({
      status: 'delivered',
      attempts: 1,
      text: 'Echo: hello',
      deliveredAt: expect.any(String),
    });
    expect(stored.lastError).toBeUndefined();
  });

  it('in unique-URL mode sends no Authorization header, and keeps the secret in the query string', async () => {
    const { token } = await channel({ webhookUrl: `${client.url}/u/secret-path?token=abc` });
    await postEvent(t, token, visitorEvent({ chatId: 77001, messageId: 'u-1' })).expect(200);
    const [sent] = await eventually(() => (sendsFor(77001).length > 0 ? sendsFor(77001) : undefined));
    expect(sent.url).toBe('/u/secret-path/send_message?token=abc');
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('writes first into a chat: text, file as a link, keyboard after the text, in that order on the wire', async () => {
    const { id, token } = await channel();
    const chatId = 88000 + chatSeq;
    await postEvent(t, token, visitorEvent({ chatId, messageId: `wf-${chatSeq}` })).expect(200);
    await eventually(() => (sendsFor(chatId).length === 1 ? true : undefined));
    const res = await asTenant(t, acme).post(`/api/v1/channels/${id}/chats/${chatId}/messages`, {
      text: 'Pick one',
      buttons: [
        [
          { id: '1', text: 'Yes' },
          { id: 2, text: 'No' },
        ],
      ],
      file: { url: 'https://files.example.com/a.pdf', name: 'a.pdf' },
    });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ direction: 'outbound', text: 'Pick one', status: 'queued', attempts: 0 });
    expect(res.body.followUps).toEqual([
      expect.objectContaining({ text: 'https://files.example.com/a.pdf', status: 'queued' }),
      expect.objectContaining({
        text: null,
        buttons: [
          [
            { id: '1', text: 'Yes' },
            { id: '2', text: 'No' },
          ],
        ],
        status: 'queued',
      }),
    ]);
    const sent = await eventually(() => (sendsFor(chatId).length === 4 ? sendsFor(chatId) : undefined));
    expect(sent.slice(1).map((request) => request.json)).toEqual([
      { chat_id: chatId, message: { id: res.body.id, kind: 'operator', text: 'Pick one' } },
      {
        chat_id: chatId,
        message: { id: res.body.followUps[0].id, kind: 'operator', text: 'https://files.example.com/a.pdf' },
      },
      {
        chat_id: chatId,
        message: {
          id: res.body.followUps[1].id,
          kind: 'keyboard',
          buttons: [
            [
              { id: '1', text: 'Yes' },
              { id: '2', text: 'No' },
            ],
          ],
        },
      },
    ]);
    const listed = await outbound(id, chatId);
    expect(listed.map((message) => message.status)).toEqual(['delivered', 'delivered', 'delivered', 'delivered']);
  });

  it('answers write-first requests with 404 for unknown chats and channels, 400 for a bad body, and writes nothing', async () => {
    const { id, token } = await channel();
    const chatId = 89000 + chatSeq;
    await postEvent(t, token, visitorEvent({ chatId, messageId: `wfe-${chatSeq}` })).expect(200);
    await eventually(() => (sendsFor(chatId).length === 1 ? true : undefined));
    const tenant = asTenant(t, acme);
    const unknownChat = await tenant.post(`/api/v1/channels/${id}/chats/nope/messages`, { text: 'hi' });
    expect(unknownChat.status).toBe(404);
    expect(unknownChat.body).toEqual({ error: 'Chat not found.', code: 'NOT_FOUND' });
    expect(
      (await tenant.post('/api/v1/channels/00000000-0000-4000-8000-000000000000/chats/1/messages', { text: 'hi' }))
        .status,
    ).toBe(404);
    const other = await makeTenant(t, 'Other');
    expect(
      (await asTenant(t, other).post(`/api/v1/channels/${id}/chats/${chatId}/messages`, { text: 'hi' })).status,
    ).toBe(404);
    for (const [body, field] of [
      [{}, 'body'],
      [{ text: 5 }, 'text'],
      [{ buttons: [] }, 'buttons'],
      [{ buttons: [[{ id: '1' }]] }, 'buttons[0][0]'],
      [{ file: { url: 'javascript:alert(1)' } }, 'file.url'],
      [{ text: 'hi', extra: true }, 'extra'],
      [{ text: 'nul \u0000 inside' }, 'text'],
    ] as const) {
      const res = await tenant.post(`/api/v1/channels/${id}/chats/${chatId}/messages`, body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.details).toContainEqual({ field, message: expect.any(String) });
    }
    expect(await outbound(id, chatId)).toHaveLength(1);
  });

  it('500, 503, then 200: delivered on the 3rd attempt with one Idempotency-Key, the chat’s next messages only after it', async () => {
    const { id, token } = await channel();
    const chatId = 90000 + chatSeq;
    const firstKey: { value?: string } = {};
    client.respondWith((sent) => {
      if ((sent.json as { chat_id: unknown }).chat_id !== chatId) return { status: 200, body: {} };
      firstKey.value ??= idempotencyKey(sent);
      const tries = sendsFor(chatId).filter((earlier) => idempotencyKey(earlier) === firstKey.value).length;
      if (idempotencyKey(sent) !== firstKey.value) return { status: 200, body: {} };
      return tries === 1
        ? { status: 500, body: { error: 'boom' } }
        : tries === 2
          ? { status: 503, body: { error: 'busy' } }
          : { status: 200, body: {} };
    });
    for (const n of [1, 2, 3])
      await postEvent(t, token, visitorEvent({ chatId, messageId: `r-${chatSeq}-${n}`, text: `m${n}` })).expect(200);
    const sent = await eventually(() => (sendsFor(chatId).length === 5 ? sendsFor(chatId) : undefined));
    expect(sent.map(textOf)).toEqual(['Echo: m1', 'Echo: m1', 'Echo: m1', 'Echo: m2', 'Echo: m3']);
    expect(new Set(sent.slice(0, 3).map(idempotencyKey)).size).toBe(1);
    expect(new Set(sent.map(idempotencyKey)).size).toBe(3);
    const listed = await outbound(id, chatId);
    expect(listed[0]).toMatchObject({
      status: 'delivered',
      attempts: 3,
      lastError: 'HTTP 503: {"error":"busy"}',
      deliveredAt: expect.any(String),
    });
    expect(listed.slice(1).map((message) => [message.status, message.attempts])).toEqual([
      ['delivered', 1],
      ['delivered', 1],
    ]);
  });

  it('400: failed after one attempt, releasing the chat; delivered again after the retry endpoint once the client accepts', async () => {
    const { id, token } = await channel();
    const chatId = 91000 + chatSeq;
    let reject = true;
    client.respondWith((sent) =>
      reject && textOf(sent) === 'Echo: bad'
        ? { status: 400, body: { error: 'unknown chat' } }
        : { status: 200, body: {} },
    );
    await postEvent(t, token, visitorEvent({ chatId, messageId: `f-${chatSeq}-1`, text: 'bad' })).expect(200);
    await postEvent(t, token, visitorEvent({ chatId, messageId: `f-${chatSeq}-2`, text: 'good' })).expect(200);
    await eventually(() => (sendsFor(chatId).length === 2 ? true : undefined));
    expect(sendsFor(chatId).map(textOf)).toEqual(['Echo: bad', 'Echo: good']);
    const [failed, delivered] = await outbound(id, chatId);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, lastError: 'HTTP 400: {"error":"unknown chat"}' });
    expect(failed.deliveredAt).toBeUndefined();
    expect(delivered).toMatchObject({ status: 'delivered' });

    const notFailed = await asTenant(t, acme).post(`/api/v1/messages/${delivered.id}/retry`);
    expect(notFailed.status).toBe(409);
    expect(notFailed.body).toEqual({
      error: 'Only a failed message can be retried; this one is delivered.',
      code: 'CONFLICT',
    });
    expect((await asTenant(t, acme).post('/api/v1/messages/00000000-0000-4000-8000-000000000000/retry')).status).toBe(
      404,
    );
    expect((await asTenant(t, acme).post('/api/v1/messages/not-a-uuid/retry')).status).toBe(404);
    const other = await makeTenant(t, 'Other tenant');
    expect((await asTenant(t, other).post(`/api/v1/messages/${failed.id}/retry`)).status).toBe(404);

    reject = false;
    const retried = await asTenant(t, acme).post(`/api/v1/messages/${failed.id}/retry`);
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ id: failed.id, status: 'queued', attempts: 1 });
    await eventually(() => (sendsFor(chatId).length === 3 ? true : undefined));
    expect(idempotencyKey(sendsFor(chatId)[2])).toBe(failed.id);
    expect((await outbound(id, chatId))[0]).toMatchObject({
      status: 'delivered',
      attempts: 2,
      lastError: 'HTTP 400: {"error":"unknown chat"}',
    });
  });

  it('a message whose retries run out is failed and releases its chat: 4 attempts with the test schedule 200,400,800', async () => {
    const { id, token } = await channel();
    const chatId = 92000 + chatSeq;
    client.respondWith((sent) =>
      textOf(sent) === 'Echo: doomed' ? { status: 502, body: 'bad gateway' } : { status: 200, body: {} },
    );
    await postEvent(t, token, visitorEvent({ chatId, messageId: `d-${chatSeq}-1`, text: 'doomed' })).expect(200);
    await postEvent(t, token, visitorEvent({ chatId, messageId: `d-${chatSeq}-2`, text: 'after' })).expect(200);
    await eventually(() => (sendsFor(chatId).length === 5 ? true : undefined));
    expect(sendsFor(chatId).map(textOf)).toEqual([
      'Echo: doomed',
      'Echo: doomed',
      'Echo: doomed',
      'Echo: doomed',
      'Echo: after',
    ]);
    const [doomed, after] = await outbound(id, chatId);
    expect(doomed).toMatchObject({ status: 'failed', attempts: 4, lastError: 'HTTP 502: "bad gateway"' });
    await eventually(async () => ((await outbound(id, chatId))[1].status === 'delivered' ? true : undefined));
    expect(after.text).toBe('Echo: after');
  });

  it('honours Retry-After on 429', async () => {
    const { token } = await channel();
    const chatId = 93000 + chatSeq;
    client.respondWith((sent) =>
      (sent.json as { chat_id: unknown }).chat_id === chatId && sendsFor(chatId).length === 1
        ? { status: 429, body: {}, headers: { 'retry-after': '2' } }
        : { status: 200, body: {} },
    );
    await postEvent(t, token, visitorEvent({ chatId, messageId: `ra-${chatSeq}` })).expect(200);
    const sent = await eventually(() => (sendsFor(chatId).length === 2 ? sendsFor(chatId) : undefined));
    expect(sent[1].receivedAt - sent[0].receivedAt).toBeGreaterThanOrEqual(1900);
  });

  it('never follows a redirect: a 3xx fails at once', async () => {
    const { id, token } = await channel();
    const chatId = 94000 + chatSeq;
    client.respondWith((sent) =>
      sent.url.startsWith('/hooks/send_message') && (sent.json as { chat_id: unknown }).chat_id === chatId
        ? { status: 302, headers: { location: `${client.url}/elsewhere` } }
        : { status: 200, body: {} },
    );
    await postEvent(t, token, visitorEvent({ chatId, messageId: `rd-${chatSeq}` })).expect(200);
    await eventually(async () => ((await outbound(id, chatId))[0]?.status === 'failed' ? true : undefined));
    expect((await outbound(id, chatId))[0]).toMatchObject({
      attempts: 1,
      lastError: 'HTTP 302 (redirects are not followed)',
    });
    expect(client.requests.filter((sent) => sent.url === '/elsewhere')).toHaveLength(0);
  });

  it('a chat whose client keeps failing or hanging does not delay another chat', async () => {
    const { token } = await channel();
    const stuck = 95000 + chatSeq;
    const healthy = 95500 + chatSeq;
    client.respondWith((sent) => {
      const chat = (sent.json as { chat_id: unknown }).chat_id;
      if (chat === stuck) return sendsFor(stuck).length === 1 ? 'hang' : { status: 503, body: {} };
      return { status: 200, body: {} };
    });
    await postEvent(t, token, visitorEvent({ chatId: stuck, messageId: `s-${chatSeq}-1` })).expect(200);
    await eventually(() => (sendsFor(stuck).length === 1 ? true : undefined));
    for (const n of [1, 2, 3, 4, 5])
      await postEvent(
        t,
        token,
        visitorEvent({ chatId: healthy, messageId: `h-${chatSeq}-${n}`, text: `h${n}` }),
      ).expect(200);
    const sent = await eventually(
      () => (sendsFor(healthy).length === 5 ? sendsFor(healthy) : undefined),
      5_000,
      'the healthy chat, while the other hangs',
    );
    expect(sent.map(textOf)).toEqual(['Echo: h1', 'Echo: h2', 'Echo: h3', 'Echo: h4', 'Echo: h5']);
    expect(sendsFor(stuck)).toHaveLength(1);
  });

  it('a webhook token that cannot be decrypted (SECRETS_KEY changed) fails the message at once and says why', async () => {
    const { id, token } = await channel({ webhookToken: 'will-be-unreadable' });
    await dbQuery(t, `UPDATE channels SET webhook_token_encrypted = 'v1.not-a-sealed-token' WHERE id = $1`, [id]);
    const chatId = 96000 + chatSeq;
    await postEvent(t, token, visitorEvent({ chatId, messageId: `k-${chatSeq}` })).expect(200);
    const failed = await eventually(async () =>
      (await outbound(id, chatId))[0]?.status === 'failed' ? (await outbound(id, chatId))[0] : undefined,
    );
    expect(failed).toMatchObject({
      attempts: 1,
      lastError:
        "The channel's webhook token or signing secret cannot be decrypted (was SECRETS_KEY changed?): set the token again and rotate the signing secret, then retry the message",
    });
    expect(sendsFor(chatId)).toHaveLength(0);
  });

  it('exposes delivery and queue metrics', async () => {
    const res = await request(t.baseUrl).get('/metrics');
    expect(res.text).toMatch(/outbound_deliveries_total\{outcome="delivered"\} \d+/);
    expect(res.text).toMatch(/outbound_deliveries_total\{outcome="retried"\} \d+/);
    expect(res.text).toMatch(/outbound_deliveries_total\{outcome="failed"\} \d+/);
    expect(res.text).toMatch(/outbound_delivery_latency_seconds_count \d+/);
    expect(res.text).toMatch(/agent_call_duration_seconds_count\{outcome="answered"\} \d+/);
    for (const lane of ['agent', 'send'])
      for (const state of ['due', 'backoff', 'claimed'])
        expect(res.text).toMatch(new RegExp(`lane_depth\\{lane="${lane}",state="${state}"\\} \\d+`));
  });
});

describe('send_message to a destination the SSRF guard blocks', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'false' } });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('fails at once with a clear lastError, and never connects', async () => {
    const client = await startFakeClientServer();
    try {
      const acme = await makeTenant(t);
      await makeAgent(t, acme);
      const created = await makeChannel(t, acme, 'a-1', { webhookUrl: `${client.url}/hooks`, active: true });
      await postEvent(t, tokenOf(created), visitorEvent({ chatId: 5 })).expect(200);
      const failed = await eventually(async () => {
        const res = await asTenant(t, acme).get(`/api/v1/channels/${String(created.id)}/chats/5/messages`);
        const reply = (res.body.items as Message[]).find((message) => message.direction === 'outbound');
        return reply?.status === 'failed' ? reply : undefined;
      });
      expect(failed.attempts).toBe(1);
      expect(failed.lastError).toBe('Blocked by the outbound network policy: 127.0.0.1 is a loopback address');
      expect(client.connections).toBe(0);
    } finally {
      await client.close();
    }
  });
});
