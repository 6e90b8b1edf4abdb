import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  asTenant,
  listMessages,
  makeAgent,
  makeChannel,
  makeTenant,
  type ListedMessage as Message,
  type TestTenant,
} from './support/admin-api.js';
import { startFakeClientServer, type FakeClientServer } from './support/fake-client-server.js';
import { postEvent, tokenOf, visitorEvent } from './support/inbound.js';
import {
  agentEcho,
  eventually,
  sendMessages,
  startFakeAgentRuntime,
  type FakeAgentRuntime,
} from './support/outbound.js';
import { TEST_ADMIN_TOKEN, startTestApp, type TestApp } from './support/test-app.js';

describe('the Agent bridge (protocol section 3) with an Agent runtime on loopback', () => {
  let t: TestApp;
  let client: FakeClientServer;
  let runtime: FakeAgentRuntime;
  let acme: TestTenant;
  let channelId: string;
  let token: string;

  const messagesOf = (chatId: number | string): Promise<Message[]> => listMessages(t, acme, channelId, chatId);

  const sendsFor = (chatId: unknown) =>
    sendMessages(client).filter((sent) => (sent.json as { chat_id: unknown }).chat_id === chatId);

  beforeAll(async () => {
    runtime = await startFakeAgentRuntime();
    client = await startFakeClientServer();
    t = await startTestApp({ env: { AGENT_RUNTIME_URL: runtime.url } });
    acme = await makeTenant(t);
    await makeAgent(t, acme, 'bot-7');
    const channel = await makeChannel(t, acme, 'bot-7', { webhookUrl: `${client.url}/hooks`, active: true });
    channelId = channel.id as string;
    token = tokenOf(channel);
  });

  beforeEach(() => {
    runtime.respondWith(agentEcho);
  });

  afterAll(async () => {
    await t?.close();
    await runtime?.close();
    await client?.close();
  });

  it('posts the documented event, with the chat variables, and marks the visitor message answered', async () => {
    await postEvent(
      t,
      token,
      visitorEvent({
        chatId: 1042,
        messageId: 'm-1',
        text: 'Hello',
        fields: { name: 'Ann', login: 'ann', phone: '+100200300', email: 'ann@example.com', site: 'example.com' },
      }),
    ).expect(200);
    await eventually(() => (sendsFor(1042).length === 1 ? true : undefined));
    const [inbound] = await messagesOf(1042);
    const chats = await asTenant(t, acme).get(`/api/v1/channels/${channelId}/chats`);
    expect(runtime.calls[0].body).toEqual({
      type: 'message',
      agentId: 'bot-7',
      channelId,
      chatId: chats.body.items[0].id,
      channelChatId: '1042|omnichannel',
      variables: { name: 'Ann', login: 'ann', phone: '+100200300', email: 'ann@example.com', site: 'example.com' },
      visitorId: 'v-77',
      message: { id: inbound.id, clientMessageId: 'm-1', text: 'Hello' },
    });
    expect(sendsFor(1042)[0].json).toMatchObject({
      chat_id: 1042,
      message: { kind: 'operator', text: 'Agent: Hello' },
    });
    await eventually(async () => ((await messagesOf(1042))[0].status === 'answered' ? true : undefined));
    expect((await messagesOf(1042))[0]).toMatchObject({ direction: 'inbound', status: 'answered', attempts: 1 });
  });

  it('turns replies into messages in order: text, file as a link, keyboard after its text', async () => {
    runtime.respondWith(() => ({
      status: 200,
      body: {
        replies: [
          { text: 'One' },
          {
            text: 'Choose',
            buttons: [
              [
                { id: '1', text: 'Yes' },
                { id: '2', text: 'No' },
              ],
            ],
          },
          { file: { url: 'https://files.example.com/a.pdf', name: 'a.pdf' } },
        ],
      },
    }));
    await postEvent(t, token, visitorEvent({ chatId: 2001, messageId: 'order-1' })).expect(200);
    const sent = await eventually(() => (sendsFor(2001).length === 4 ? sendsFor(2001) : undefined));
    expect(sent.map((request) => (request.json as { message: unknown }).message)).toEqual([
      { id: expect.any(String), kind: 'operator', text: 'One' },
      { id: expect.any(String), kind: 'operator', text: 'Choose' },
      {
        id: expect.any(String),
        kind: 'keyboard',
        buttons: [
          [
            { id: '1', text: 'Yes' },
            { id: '2', text: 'No' },
          ],
        ],
      },
      { id: expect.any(String), kind: 'operator', text: 'https://files.example.com/a.pdf' },
    ]);
    const stored = await messagesOf(2001);
    expect(stored.map((message) => [message.direction, message.text])).toEqual([
      ['inbound', 'Hello'],
      ['outbound', 'One'],
      ['outbound', 'Choose'],
      ['outbound', null],
      ['outbound', 'https://files.example.com/a.pdf'],
    ]);
  });

  it('hands a chat’s messages to the Agent one at a time, in order', async () => {
    runtime.stats.maxInFlight = 0;
    runtime.respondWith((call) => ({
      status: 200,
      delayMs: 40,
      body: { replies: [{ text: `Agent: ${(call.body.message as { text: string }).text}` }] },
    }));
    for (const n of [1, 2, 3, 4, 5, 6])
      await postEvent(t, token, visitorEvent({ chatId: 3001, messageId: `seq-${n}`, text: `q${n}` })).expect(200);
    const sent = await eventually(() => (sendsFor(3001).length === 6 ? sendsFor(3001) : undefined));
    expect(sent.map((request) => (request.json as { message: { text: string } }).message.text)).toEqual([
      'Agent: q1',
      'Agent: q2',
      'Agent: q3',
      'Agent: q4',
      'Agent: q5',
      'Agent: q6',
    ]);
    expect(runtime.stats.maxInFlight).toBe(1);
  });

  it('Agent runtime down (refused, 503), then up: the reply is delivered, the attempts on record', async () => {
    let calls = 0;
    runtime.respondWith(() => {
      calls += 1;
      return calls === 1
        ? 'close'
        : calls === 2
          ? { status: 503, body: { error: 'warming up' } }
          : { status: 200, body: { replies: [{ text: 'Back!' }] } };
    });
    await postEvent(t, token, visitorEvent({ chatId: 4001, messageId: 'down-1' })).expect(200);
    const [sent] = await eventually(() => (sendsFor(4001).length === 1 ? sendsFor(4001) : undefined), 20_000);
    expect(sent.json).toMatchObject({ message: { text: 'Back!' } });
    expect(calls).toBe(3);
    const [inbound] = await messagesOf(4001);
    expect(inbound).toMatchObject({
      status: 'answered',
      attempts: 3,
      lastError: 'Agent runtime answered HTTP 503: {"error":"warming up"}',
    });
  });

  it('a runtime that refuses the message (400) or answers nonsense fails it at once; the retry endpoint hands it over again', async () => {
    runtime.respondWith(() => ({ status: 400, body: { error: 'unknown agent' } }));
    await postEvent(t, token, visitorEvent({ chatId: 5001, messageId: 'refused-1' })).expect(200);
    const failed = await eventually(async () => {
      const [inbound] = await messagesOf(5001);
      return inbound.status === 'failed' ? inbound : undefined;
    });
    expect(failed).toMatchObject({
      attempts: 1,
      lastError: 'Agent runtime answered HTTP 400: {"error":"unknown agent"}',
    });

    runtime.respondWith(() => ({ status: 200, body: { replies: [{ nope: true }] } }));
    const retried = await asTenant(t, acme).post(`/api/v1/messages/${failed.id}/retry`);
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ id: failed.id, direction: 'inbound', status: 'received' });
    await eventually(async () => ((await messagesOf(5001))[0].attempts === 2 ? true : undefined));
    expect((await messagesOf(5001))[0]).toMatchObject({
      status: 'failed',
      lastError:
        'The Agent runtime answered with an invalid reply: replies[0] must have at least one of text, buttons or file',
    });

    runtime.respondWith(() => ({ status: 200, body: { replies: [{ text: 'Sorted' }] } }));
    expect((await asTenant(t, acme).post(`/api/v1/messages/${failed.id}/retry`)).status).toBe(202);
    const [sent] = await eventually(() => (sendsFor(5001).length === 1 ? sendsFor(5001) : undefined));
    expect(sent.json).toMatchObject({ message: { text: 'Sorted' } });
    expect((await messagesOf(5001))[0]).toMatchObject({ status: 'answered', attempts: 3 });
  });

  it('an answer over 1 MiB is an invalid answer; an error body is read only in part, the operator token redacted; the chat goes on', async () => {
    const padding = 'p'.repeat(2 * 1024 * 1024);
    runtime.respondWith((call) => {
      const text = (call.body.message as { text: string }).text;
      if (text === 'huge') return { status: 200, body: { replies: [{ text: 'never sent' }], padding } };
      if (text === 'echo') return { status: 403, body: `refused: Bearer ${TEST_ADMIN_TOKEN} ${padding}` };
      return { status: 200, body: { replies: [{ text: `Agent: ${text}` }] } };
    });
    for (const [n, text] of ['huge', 'echo', 'after'].entries())
      await postEvent(t, token, visitorEvent({ chatId: 6001, messageId: `bad-answer-${n}`, text })).expect(200);
    const [sent] = await eventually(() => (sendsFor(6001).length === 1 ? sendsFor(6001) : undefined));
    expect(sent.json).toMatchObject({ message: { text: 'Agent: after' } });
    const inbound = await eventually(async () => {
      const listed = await messagesOf(6001);
      return listed.filter((message) => message.direction === 'inbound' && message.status !== 'received').length === 3
        ? listed
        : undefined;
    });
    expect(inbound.filter((message) => message.direction === 'inbound')).toEqual([
      expect.objectContaining({
        text: 'huge',
        status: 'failed',
        attempts: 1,
        lastError: 'The Agent runtime answered with a body over 1 MiB',
      }),
      expect.objectContaining({
        text: 'echo',
        status: 'failed',
        attempts: 1,
        lastError: `Agent runtime answered HTTP 403: "refused: Bearer [REDACTED] ${'p'.repeat(272)}…`,
      }),
      expect.objectContaining({ text: 'after', status: 'answered', attempts: 1 }),
    ]);
  });
});
