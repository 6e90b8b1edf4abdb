import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { asTenant, makeAgent, makeChannel, makeTenant, type TestTenant } from './support/admin-api.js';
import { startFakeClientServer, type FakeClientServer } from './support/fake-client-server.js';
import { postEvent, tokenOf, visitorEvent } from './support/inbound.js';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('chats and messages (tenant, read)', () => {
  let t: TestApp;
  let acme: TestTenant;
  let other: TestTenant;
  let client: FakeClientServer;
  let channelId: string;

  beforeAll(async () => {
    // HTTP only: no Agent bridge, so the chats hold just what the test posts.
    t = await startTestApp({ env: { ROLE: 'api' } });
    client = await startFakeClientServer();
    acme = await makeTenant(t, 'Acme');
    other = await makeTenant(t, 'Globex');
    await makeAgent(t, acme, 'a-1');
    const channel = await makeChannel(t, acme, 'a-1', { webhookUrl: client.url, active: true });
    channelId = channel.id as string;
    const token = tokenOf(channel);
    for (let chat = 1; chat <= 5; chat += 1) {
      await postEvent(
        t,
        token,
        visitorEvent({ chatId: chat, messageId: `c${chat}-m1`, text: `hello from ${chat}` }),
      ).expect(200);
    }
    await postEvent(t, token, visitorEvent({ chatId: 'str-7', messageId: 's7-m1', text: 'first' })).expect(200);
    for (let n = 2; n <= 4; n += 1)
      await postEvent(t, token, visitorEvent({ chatId: 'str-7', messageId: `s7-m${n}`, text: `message ${n}` })).expect(
        200,
      );
  });

  afterAll(async () => {
    await client?.close();
    await t?.close();
  });

  it('lists chats newest activity first with the documented shape, echoing chat_id with its type', async () => {
    const res = await asTenant(t, acme).get(`/api/v1/channels/${channelId}/chats`);
    expect(res.status).toBe(200);
    expect(res.body.nextCursor).toBeNull();
    expect(res.body.items).toHaveLength(6);
    const [newest] = res.body.items;
    expect(Object.keys(newest).sort()).toEqual([
      'channelChatId',
      'clientChatId',
      'closedAt',
      'closedBy',
      'createdAt',
      'id',
      'lastMessageAt',
      'state',
      'variables',
      'visitorId',
    ]);
    expect(newest).toMatchObject({
      state: 'open',
      closedAt: null,
      closedBy: null,
      clientChatId: 'str-7',
      channelChatId: 'str-7|omnichannel',
      visitorId: 'v-77',
      variables: { name: 'Ann', email: 'ann@example.com' },
    });
    expect(res.body.items.map((chat: { clientChatId: unknown }) => chat.clientChatId)).toEqual([
      'str-7',
      5,
      4,
      3,
      2,
      1,
    ]);
  });

  it('pages with limit and cursor, without gaps or repeats', async () => {
    const seen: unknown[] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: { items: { clientChatId: unknown }[]; nextCursor: string | null } } =
        await asTenant(t, acme).get(`/api/v1/channels/${channelId}/chats?limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((chat) => chat.clientChatId));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['str-7', 5, 4, 3, 2, 1]);
  });

  it("lists a chat's messages in order, by internal id or by the client's chat_id", async () => {
    const byClientId = await asTenant(t, acme).get(`/api/v1/channels/${channelId}/chats/str-7/messages?limit=3`);
    expect(byClientId.status).toBe(200);
    expect(byClientId.body.items.map((message: { text: string }) => message.text)).toEqual([
      'first',
      'message 2',
      'message 3',
    ]);
    expect(byClientId.body.items[0]).toEqual({
      id: expect.any(String),
      direction: 'inbound',
      kind: 'visitor',
      text: 'first',
      clientMessageId: 's7-m1',
      status: 'received',
      attempts: 0,
      createdAt: expect.any(String),
    });
    const next = await asTenant(t, acme).get(
      `/api/v1/channels/${channelId}/chats/str-7/messages?limit=3&cursor=${byClientId.body.nextCursor}`,
    );
    expect(next.body).toEqual({ items: [expect.objectContaining({ text: 'message 4' })], nextCursor: null });

    const chats = await asTenant(t, acme).get(`/api/v1/channels/${channelId}/chats`);
    const internalId = chats.body.items.find((chat: { clientChatId: unknown }) => chat.clientChatId === 3).id;
    const byId = await asTenant(t, acme).get(`/api/v1/channels/${channelId}/chats/${internalId}/messages`);
    expect(byId.body.items.map((message: { text: string }) => message.text)).toEqual(['hello from 3']);
    const numeric = await asTenant(t, acme).get(`/api/v1/channels/${channelId}/chats/3/messages`);
    expect(numeric.body.items.map((message: { text: string }) => message.text)).toEqual(['hello from 3']);
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=201', 'limit'],
    ['limit=abc', 'limit'],
    ['cursor=not-a-cursor', 'cursor'],
    ['sort=asc', 'sort'],
  ])('rejects ?%s with 400 and details', async (query, field) => {
    const res = await asTenant(t, acme).get(`/api/v1/channels/${channelId}/chats?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.details).toContainEqual({ field, message: expect.any(String) });
  });

  it('answers unknown channels and chats, and other tenants, with 404', async () => {
    expect((await asTenant(t, acme).get('/api/v1/channels/00000000-0000-4000-8000-000000000000/chats')).status).toBe(
      404,
    );
    const unknownChat = await asTenant(t, acme).get(`/api/v1/channels/${channelId}/chats/nope/messages`);
    expect(unknownChat.status).toBe(404);
    expect(unknownChat.body).toEqual({ error: 'Chat not found.', code: 'NOT_FOUND' });
    expect((await asTenant(t, other).get(`/api/v1/channels/${channelId}/chats`)).status).toBe(404);
    expect((await asTenant(t, other).get(`/api/v1/channels/${channelId}/chats/str-7/messages`)).status).toBe(404);
  });
});
