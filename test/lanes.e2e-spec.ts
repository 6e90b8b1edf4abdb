import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { makeAgent, makeChannel, makeTenant, type TestTenant } from './support/admin-api.js';
import { startFakeClientServer, type FakeClientServer } from './support/fake-client-server.js';
import { dbQuery, postEvent, tokenOf, visitorEvent } from './support/inbound.js';
import { eventually, sendMessages, startFakeAgentRuntime, type FakeAgentRuntime } from './support/outbound.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/** Chat lanes end to end: races on one chat, a stress on few chats, and claims of a replica that died. */
describe('chat lanes with the real app, an Agent runtime and a client server on loopback', () => {
  let t: TestApp;
  let client: FakeClientServer;
  let runtime: FakeAgentRuntime;
  let acme: TestTenant;
  let token: string;

  const textsFor = (chatId: unknown): string[] =>
    sendMessages(client)
      .filter((sent) => (sent.json as { chat_id: unknown }).chat_id === chatId)
      .map((sent) => (sent.json as { message: { text: string } }).message.text);

  const errorLines = (): string[] => t.logs.filter((line) => (JSON.parse(line) as { level: number }).level >= 50);

  beforeAll(async () => {
    runtime = await startFakeAgentRuntime();
    client = await startFakeClientServer();
    t = await startTestApp({ env: { AGENT_RUNTIME_URL: runtime.url } });
    acme = await makeTenant(t);
    await makeAgent(t, acme, 'bot');
    token = tokenOf(await makeChannel(t, acme, 'bot', { webhookUrl: `${client.url}/hooks`, active: true }));
  });

  afterAll(async () => {
    await t?.close();
    await runtime?.close();
    await client?.close();
  });

  it('20 concurrent copies of one message on a new chat: all 200, one stored, one Agent call (10 rounds)', async () => {
    for (let round = 0; round < 10; round += 1) {
      const chatId = `copies-${round}`;
      const event = visitorEvent({ chatId, messageId: `copy-${round}`, text: `copy ${round}` });
      const answers = await Promise.all(Array.from({ length: 20 }, () => postEvent(t, token, event)));
      expect(answers.map((res) => res.status)).toEqual(Array(20).fill(200));
      expect(answers.filter((res) => res.body.duplicate !== true)).toHaveLength(1);
      expect(answers.filter((res) => res.body.duplicate === true).map((res) => res.body)).toEqual(
        Array(19).fill({ result: 'ok', duplicate: true }),
      );
      await eventually(() => (textsFor(chatId).length === 1 ? true : undefined), 10_000, `the reply in ${chatId}`);
      expect(
        await dbQuery(t, `SELECT count(*)::int AS n FROM messages WHERE client_message_id = $1`, [`copy-${round}`]),
      ).toEqual([{ n: 1 }]);
    }
    const calls = runtime.calls.filter((call) =>
      String((call.body.message as { text: string }).text).startsWith('copy '),
    );
    expect(calls).toHaveLength(10);
    expect(errorLines()).toEqual([]);
  });

  it('stress: 400 messages into the same 10 chats at once while replies are stored and delivered: no 500, no error line, all in order', async () => {
    const CHATS = 10;
    const PER_CHAT = 40;
    const posts: Promise<{ status: number }>[] = [];
    for (let n = 0; n < PER_CHAT; n += 1) {
      for (let chat = 0; chat < CHATS; chat += 1)
        posts.push(
          postEvent(
            t,
            token,
            visitorEvent({ chatId: `stress-${chat}`, messageId: `s-${chat}-${n}`, text: `s${chat}-${n}` }),
          ).then((res) => res),
        );
      // A few copies on top, racing the originals.
      if (n % 5 === 0)
        posts.push(
          postEvent(t, token, visitorEvent({ chatId: 'stress-0', messageId: `s-0-${n}`, text: `s0-${n}` })).then(
            (res) => res,
          ),
        );
    }
    const statuses = (await Promise.all(posts)).map((res) => res.status);
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    for (let chat = 0; chat < CHATS; chat += 1) {
      const texts = await eventually(
        () => (textsFor(`stress-${chat}`).length >= PER_CHAT ? textsFor(`stress-${chat}`) : undefined),
        60_000,
        `chat ${chat}'s replies`,
      );
      expect(texts).toHaveLength(PER_CHAT);
      expect(new Set(texts).size).toBe(PER_CHAT);
    }
    // Order per chat: the Agent saw each chat's messages in the order they were stored, and the replies went out so.
    const stored = await dbQuery<{ client_chat_id: string; text: string }>(
      t,
      `SELECT c.client_chat_id, m.text FROM messages m JOIN chats c ON c.id = m.chat_id
       WHERE m.direction = 'inbound' AND c.client_chat_id LIKE 'stress-%' ORDER BY m.created_at, m.id`,
    );
    for (let chat = 0; chat < CHATS; chat += 1) {
      const inOrder = stored
        .filter((row) => row.client_chat_id === `stress-${chat}`)
        .map((row) => `Agent: ${row.text}`);
      expect(textsFor(`stress-${chat}`)).toEqual(inOrder);
    }
    expect(errorLines()).toEqual([]);
  });

  it('a replica killed with chats claimed: they are delivered once the lease ends, not before', async () => {
    client.respondWith(() => ({ status: 200, body: {} }));
    runtime.respondWith(() => ({ status: 200, body: { replies: [{ text: 'first' }] } }));
    const chats = ['dead-0', 'dead-1', 'dead-2'];
    for (const chat of chats)
      await postEvent(t, token, visitorEvent({ chatId: chat, messageId: chat, text: chat })).expect(200);
    for (const chat of chats) await eventually(() => (textsFor(chat).length === 1 ? true : undefined), 10_000);
    // What a replica leaves behind when it dies mid-delivery: a queued reply, its chat's send lane claimed under a lease
    // that ends in 2 s (the last seconds of a 30 s lease), nobody left to settle it.
    await dbQuery(
      t,
      `WITH held AS (
         UPDATE chats SET send_claimed_until = now() + interval '2 seconds', send_due_at = now() WHERE client_chat_id = ANY($1)
         RETURNING id, tenant_id, channel_id, client_chat_id)
       INSERT INTO messages (tenant_id, channel_id, chat_id, direction, kind, text, status)
       SELECT tenant_id, channel_id, id, 'outbound', 'operator', 'left behind ' || client_chat_id, 'queued' FROM held`,
      [chats],
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    for (const chat of chats) expect(textsFor(chat)).toEqual(['first']);
    for (const chat of chats)
      await eventually(() => (textsFor(chat).length === 2 ? true : undefined), 10_000, `${chat} after its lease`);
    for (const chat of chats) expect(textsFor(chat)).toEqual(['first', `left behind ${chat}`]);
  });
});
