import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  asTenant,
  listMessages,
  makeActiveChannel,
  makeAgent,
  makeTenant,
  type TestTenant,
} from './support/admin-api.js';
import { startFakeClientServer, type FakeClientServer, type Responder } from './support/fake-client-server.js';
import { dbQuery, postEvent, visitorEvent } from './support/inbound.js';
import { eventually, startFakeAgentRuntime, type AgentCall, type FakeAgentRuntime } from './support/outbound.js';
import { startTestApp, type TestApp } from './support/test-app.js';

type Body = Record<string, unknown>;

/**
 * The chat's state and the runtime's events beyond visitor messages (docs/protocol.md, sections 1 and 3): close_chat
 * and the client's chat_closed, delivery events (this app runs with AGENT_DELIVERY_EVENTS=true), and an action
 * switched off between its queueing and its turn.
 */
describe("a chat's state, chat_closed, and delivery events to the Agent runtime", () => {
  let t: TestApp;
  let client: FakeClientServer;
  let runtime: FakeAgentRuntime;
  let acme: TestTenant;
  let seq = 0;
  /** What the runtime answers per visitor text; an unknown text gets one echo reply. */
  const answers = new Map<string, { status: number; body?: unknown; delayMs?: number }>();
  /** While set, delivery events are answered 503. */
  let refuseReports = false;
  /** Client-server answers per message text (send_message) or method, taken once each. */
  const clientAnswers = new Map<string, { status: number; body?: unknown; headers?: Record<string, string> }[]>();

  const callsOf = (chatId: string, type?: string): Body[] =>
    runtime.calls
      .map((call: AgentCall) => call.body)
      .filter((body) => body.chatId === chatId && (type === undefined || body.type === type));

  const clientCalls = (chatId: unknown) =>
    client.requests
      .filter((sent) => (sent.json as { chat_id?: unknown } | undefined)?.chat_id === chatId)
      .map((sent) => ({
        method: sent.url.split('?')[0].split('/').at(-1),
        text: (sent.json as { message?: { text?: string } }).message?.text,
        kind: (sent.json as { message?: { kind?: string } }).message?.kind,
        status: sent.answeredStatus,
      }));

  async function chatOf(channelId: string, clientChatId: string): Promise<Body> {
    const res = await asTenant(t, acme).get(`/api/v1/channels/${channelId}/chats?limit=200`);
    expect(res.status).toBe(200);
    const chat = (res.body.items as Body[]).find((one) => one.clientChatId === clientChatId);
    if (!chat) throw new Error(`no chat ${clientChatId}`);
    return chat;
  }

  const say = (token: string, chatId: string, text: string) =>
    postEvent(t, token, visitorEvent({ chatId, messageId: `m-${(seq += 1)}`, text })).expect(200);

  const closedEvent = (chatId: unknown) => ({ event: 'chat_closed', chat_id: chatId });

  beforeAll(async () => {
    runtime = await startFakeAgentRuntime();
    runtime.respondWith((call) => {
      if (call.body.type === 'delivery')
        return refuseReports ? { status: 503, body: { error: 'busy' } } : { status: 200 };
      // A runtime may answer an event with replies: they are not sent.
      if (call.body.type === 'chat_closed') return { status: 200, body: { replies: [{ text: 'never sent' }] } };
      const text = (call.body.message as { text: string }).text;
      return answers.get(text) ?? { status: 200, body: { replies: [{ text: `Agent: ${text}` }] } };
    });
    client = await startFakeClientServer();
    const answering: Responder = (sent) => {
      const body = sent.json as { message?: { text?: string } } | undefined;
      const key = body?.message?.text ?? sent.url.split('?')[0].split('/').at(-1) ?? '';
      return clientAnswers.get(key)?.shift() ?? { status: 200, body: {} };
    };
    client.respondWith(answering);
    t = await startTestApp({
      env: { AGENT_RUNTIME_URL: runtime.url, AGENT_DELIVERY_EVENTS: 'true', LOG_LEVEL: 'error' },
    });
    acme = await makeTenant(t, 'Chat state');
    await makeAgent(t, acme, 'a-1');
  });

  afterAll(async () => {
    await t?.close();
    await client?.close();
    await runtime?.close();
  });

  async function channelWith(capabilities: Body = {}): Promise<{ id: string; token: string }> {
    const channel = await makeActiveChannel(t, acme, 'a-1', { webhookUrl: `${client.url}/hooks` });
    await asTenant(t, acme).patch(`/api/v1/channels/${channel.id}`, { capabilities }).expect(200);
    return channel;
  }

  it('Agent calls for visitor messages carry "type": "message"', async () => {
    const channel = await channelWith();
    await say(channel.token, 'typed', 'Hello');
    const [call] = await eventually(() => {
      const calls = runtime.calls.filter((one) => one.body.channelId === channel.id);
      return calls.length > 0 ? calls : undefined;
    });
    expect(call.body).toMatchObject({
      type: 'message',
      channelChatId: 'typed|omnichannel',
      message: { text: 'Hello' },
    });
  });

  it('a delivered close_chat closes the chat (by the agent); the next visitor message reopens it', async () => {
    const channel = await channelWith({ closeChat: true });
    answers.set('bye please', { status: 200, body: { replies: [{ text: 'Bye' }], actions: [{ type: 'close' }] } });
    expect(await chatOf(channel.id, 'c-close').catch(() => null)).toBeNull();
    await say(channel.token, 'c-close', 'bye please');
    await eventually(() =>
      clientCalls('c-close').some((c) => c.method === 'close_chat' && c.status === 200) ? true : undefined,
    );
    const closed = await eventually(async () => {
      const chat = await chatOf(channel.id, 'c-close');
      return chat.state === 'closed' ? chat : undefined;
    });
    expect(closed).toMatchObject({ state: 'closed', closedBy: 'agent' });
    expect(Number.isNaN(Date.parse(String(closed.closedAt)))).toBe(false);

    await say(channel.token, 'c-close', 'I am back');
    expect(await chatOf(channel.id, 'c-close')).toMatchObject({ state: 'open', closedAt: null, closedBy: null });
  });

  it("the client's chat_closed closes the chat and reaches the runtime once, after the chat's earlier messages", async () => {
    const channel = await channelWith();
    answers.set('slow one', { status: 200, body: { replies: [{ text: 'slow answer' }] }, delayMs: 400 });
    await say(channel.token, 'c-client', 'slow one');
    const first = await postEvent(t, channel.token, closedEvent('c-client'));
    expect({ status: first.status, body: first.body }).toEqual({ status: 200, body: { result: 'ok' } });
    // The same close again: nothing new, nothing told twice.
    const again = await postEvent(t, channel.token, closedEvent('c-client'));
    expect({ status: again.status, body: again.body }).toEqual({
      status: 200,
      body: { result: 'ok', duplicate: true },
    });
    expect(await chatOf(channel.id, 'c-client')).toMatchObject({ state: 'closed', closedBy: 'client' });

    const calls = await eventually(() => {
      // Delivery events (this app has them on) travel their own lane: left out here.
      const mine = runtime.calls
        .map((call) => call.body)
        .filter((body) => body.channelId === channel.id && body.type !== 'delivery');
      return mine.some((body) => body.type === 'chat_closed') ? mine : undefined;
    });
    expect(calls.map((body) => body.type)).toEqual(['message', 'chat_closed']);
    const event = calls[1];
    expect(Object.keys(event).sort()).toEqual(
      ['agentId', 'channelChatId', 'channelId', 'chatId', 'id', 'type', 'variables', 'visitorId'].sort(),
    );
    expect(event).toMatchObject({
      agentId: 'a-1',
      channelChatId: 'c-client|omnichannel',
      visitorId: 'v-77',
      variables: { name: 'Ann', email: 'ann@example.com' },
    });
    const messages = await eventually(async () => {
      const listed = await listMessages(t, acme, channel.id, 'c-client');
      return listed.some((m) => m.kind === 'chat_closed' && m.status === 'answered') ? listed : undefined;
    });
    // Stored as it arrived (before the slow reply); told to the runtime after the message before it was answered.
    expect(messages.map((m) => `${m.direction}:${m.kind}`)).toEqual([
      'inbound:visitor',
      'inbound:chat_closed',
      'outbound:operator',
    ]);
    expect(messages[1].id).toBe(event.id);
    // Only the reply to the visitor message went to the client server: the event's answer is not read.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(clientCalls('c-client').map((c) => c.text)).toEqual(['slow answer']);
    expect(callsOf(String(event.chatId), 'chat_closed')).toHaveLength(1);

    // A visitor message reopens the chat; a later chat_closed closes it again and is told again.
    await say(channel.token, 'c-client', 'hello again');
    expect((await chatOf(channel.id, 'c-client')).state).toBe('open');
    const reclosed = await postEvent(t, channel.token, { ...closedEvent('c-client'), extra: { ignored: true } });
    expect(reclosed.body).toEqual({ result: 'ok' });
    await eventually(() => (callsOf(String(event.chatId), 'chat_closed').length === 2 ? true : undefined));
  });

  it('chat_closed rows: an unknown chat is ignored, chat_id is required and checked, an inactive channel is row 2', async () => {
    const channel = await channelWith();
    const before = await dbQuery<{ n: number }>(t, 'SELECT count(*)::int AS n FROM messages');
    const unknown = await postEvent(t, channel.token, closedEvent(99_999));
    expect({ status: unknown.status, body: unknown.body }).toEqual({
      status: 200,
      body: { result: 'ignored', reason: 'unknown chat' },
    });
    const missing = await postEvent(t, channel.token, { event: 'chat_closed' });
    expect({ status: missing.status, body: missing.body }).toEqual({
      status: 400,
      body: { error: 'Missing required parameter: chat_id' },
    });
    const malformed = await postEvent(t, channel.token, closedEvent(true));
    expect({ status: malformed.status, body: malformed.body }).toEqual({
      status: 500,
      body: {
        error:
          'Invalid request body: chat_id must be an integer or a non-empty string of at most 255 characters, not a boolean',
      },
    });
    const other = await postEvent(t, channel.token, { ...visitorEvent(), event: 'chat_rated' });
    expect(other.body).toEqual({ result: 'ignored', reason: 'unsupported event "chat_rated"' });
    expect(await dbQuery<{ n: number }>(t, 'SELECT count(*)::int AS n FROM messages')).toEqual(before);

    await say(channel.token, 'c-inactive', 'hi');
    await asTenant(t, acme).patch(`/api/v1/channels/${channel.id}`, { active: false }).expect(200);
    const inactive = await postEvent(t, channel.token, closedEvent('c-inactive'));
    expect({ status: inactive.status, body: inactive.body }).toEqual({
      status: 400,
      body: { error: 'There is no active channel for received event.' },
    });
    expect((await chatOf(channel.id, 'c-inactive')).state).toBe('open');
  });

  it('an action switched off between its queueing and its turn is skipped then; a file queued as a file leaves as its link', async () => {
    const channel = await channelWith({ closeChat: true, files: 'file' });
    clientAnswers.set('hold on', [{ status: 503, body: { error: 'busy' }, headers: { 'retry-after': '1' } }]);
    answers.set('switch', {
      status: 200,
      body: {
        replies: [{ text: 'hold on' }, { file: { url: 'https://files.example.com/late.pdf' } }],
        actions: [{ type: 'close' }],
      },
    });
    await say(channel.token, 'c-switch', 'switch');
    await eventually(() => (clientCalls('c-switch').some((c) => c.status === 503) ? true : undefined));
    await asTenant(t, acme)
      .patch(`/api/v1/channels/${channel.id}`, { capabilities: { closeChat: false, files: 'link' } })
      .expect(200);
    const messages = await eventually(async () => {
      const listed = await listMessages(t, acme, channel.id, 'c-switch');
      return listed.find((m) => m.kind === 'close')?.status === 'skipped' ? listed : undefined;
    });
    expect(clientCalls('c-switch')).toEqual([
      { method: 'send_message', text: 'hold on', kind: 'operator', status: 503 },
      { method: 'send_message', text: 'hold on', kind: 'operator', status: 200 },
      { method: 'send_message', text: 'https://files.example.com/late.pdf', kind: 'operator', status: 200 },
    ]);
    expect(messages.find((m) => m.kind === 'close')).toMatchObject({
      status: 'skipped',
      attempts: 0,
      lastError: 'Not sent: the channel does not accept close_chat (capabilities.closeChat is off)',
    });
    expect((await chatOf(channel.id, 'c-switch')).state).toBe('open');
  });

  it("delivery events: each final outcome is told to the runtime in the order it was reached, in the chat's order", async () => {
    const channel = await channelWith();
    clientAnswers.set('refused', [{ status: 400, body: { error: 'no such chat' } }]);
    answers.set('report me', {
      status: 200,
      body: {
        replies: [{ text: 'one' }, { text: 'refused' }, { text: 'three' }],
        actions: [{ type: 'redirect', departmentKey: 'sales' }],
      },
    });
    await say(channel.token, 'c-report', 'report me');
    const chatId = String((await chatOf(channel.id, 'c-report')).id);
    const reports = await eventually(() => {
      const told = callsOf(chatId, 'delivery');
      return told.length >= 4 ? told : undefined;
    });
    const messages = await listMessages(t, acme, channel.id, 'c-report');
    const idOf = (kind: string, text?: string) =>
      messages.find((m) => m.kind === kind && (text === undefined || m.text === text))?.id;
    expect(reports.map((report) => report.delivery)).toEqual([
      {
        messageId: idOf('redirect'),
        kind: 'redirect',
        outcome: 'skipped',
        error: 'Not sent: the channel does not accept redirect_chat (capabilities.redirectChat is off)',
        at: expect.any(String),
      },
      {
        messageId: idOf('operator', 'one'),
        kind: 'operator',
        outcome: 'delivered',
        error: null,
        at: expect.any(String),
      },
      {
        messageId: idOf('operator', 'refused'),
        kind: 'operator',
        outcome: 'failed',
        error: 'HTTP 400: {"error":"no such chat"}',
        at: expect.any(String),
      },
      {
        messageId: idOf('operator', 'three'),
        kind: 'operator',
        outcome: 'delivered',
        error: null,
        at: expect.any(String),
      },
    ]);
    expect(reports[0]).toMatchObject({
      type: 'delivery',
      agentId: 'a-1',
      channelId: channel.id,
      chatId,
      channelChatId: 'c-report|omnichannel',
    });
    expect(new Set(reports.map((report) => report.id)).size).toBe(4);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(callsOf(chatId, 'delivery')).toHaveLength(4);
  });

  it('a runtime refusing delivery events holds the reports only: replies still go, and the reports follow in order, at least once', async () => {
    const channel = await channelWith();
    refuseReports = true;
    try {
      await say(channel.token, 'c-held', 'first');
      await say(channel.token, 'c-held', 'second');
      // Both replies reach the client server while every report is refused.
      await eventually(() => {
        const delivered = clientCalls('c-held').filter((c) => c.status === 200);
        return delivered.length === 2 ? delivered : undefined;
      });
      const chatId = String((await chatOf(channel.id, 'c-held')).id);
      await eventually(() => (callsOf(chatId, 'delivery').length >= 2 ? true : undefined));
      const [{ n: waiting }] = await dbQuery<{ n: number }>(
        t,
        'SELECT count(*)::int AS n FROM agent_reports WHERE chat_id = $1',
        [chatId],
      );
      expect(waiting).toBe(2);
    } finally {
      refuseReports = false;
    }
    const chatId = String((await chatOf(channel.id, 'c-held')).id);
    await eventually(async () => {
      const [{ n }] = await dbQuery<{ n: number }>(
        t,
        'SELECT count(*)::int AS n FROM agent_reports WHERE chat_id = $1',
        [chatId],
      );
      return n === 0 ? true : undefined;
    });
    const told = callsOf(chatId, 'delivery');
    // Retried under the same id; the first report's calls all come before the second's first call.
    const ids = told.map((report) => report.id);
    const distinct = [...new Set(ids)];
    expect(distinct).toHaveLength(2);
    expect(ids.lastIndexOf(distinct[0])).toBeLessThan(ids.indexOf(distinct[1]));
    expect(told.map((report) => (report.delivery as Body).outcome)).toEqual(told.map(() => 'delivered'));
    const messages = await listMessages(t, acme, channel.id, 'c-held');
    expect(distinct.map((id) => (told.find((r) => r.id === id)?.delivery as Body).messageId)).toEqual(
      messages.filter((m) => m.direction === 'outbound').map((m) => m.id),
    );
  });
  it('stress: visitor messages and chat_closed posted at once on many chats: nothing stranded, every event told once, every outcome reported once and in order', async () => {
    const channel = await channelWith();
    const chats = Array.from({ length: 20 }, (_, i) => `c-stress-${i}`);
    const posts = chats.flatMap((chat) =>
      Array.from({ length: 7 }, (_, k) =>
        k === 2 || k === 5
          ? () => postEvent(t, channel.token, closedEvent(chat))
          : () =>
              postEvent(t, channel.token, visitorEvent({ chatId: chat, messageId: `${chat}-${k}`, text: `s ${k}` })),
      ),
    );
    const answers = await Promise.all(posts.sort(() => Math.random() - 0.5).map((post) => post()));
    expect(answers.every((res) => res.status === 200)).toBe(true);
    const ids = await dbQuery<{ id: string }>(t, 'SELECT id FROM chats WHERE channel_id = $1', [channel.id]);
    const chatIds = ids.map((row) => row.id);
    expect(chatIds).toHaveLength(20);
    await eventually(
      async () => {
        const [row] = await dbQuery<{ waiting: number; reports: number }>(
          t,
          `SELECT (SELECT count(*)::int FROM messages WHERE chat_id = ANY($1::uuid[]) AND status NOT IN ('answered', 'delivered')) AS waiting,
                  (SELECT count(*)::int FROM agent_reports WHERE chat_id = ANY($1::uuid[])) AS reports`,
          [chatIds],
        );
        return row.waiting === 0 && row.reports === 0 ? true : undefined;
      },
      30_000,
      'every message answered or delivered and every report taken',
    );
    for (const chatId of chatIds) {
      const inbound = await dbQuery<{ id: string }>(
        t,
        `SELECT id FROM messages WHERE chat_id = $1 AND direction = 'inbound' ORDER BY created_at, id`,
        [chatId],
      );
      const told = callsOf(chatId).filter((body) => body.type !== 'delivery');
      // Each inbound message (visitor message or chat_closed) was told exactly once. (Posts racing each other have no
      // order of their own: the one stored first by created_at may commit, and be told, second.)
      const toldIds = told.map((body) => String(body.type === 'chat_closed' ? body.id : (body.message as Body).id));
      expect([...toldIds].sort()).toEqual(inbound.map((row) => row.id).sort());
      const outbound = await dbQuery<{ id: string }>(
        t,
        `SELECT id FROM messages WHERE chat_id = $1 AND direction = 'outbound' ORDER BY delivered_at, id`,
        [chatId],
      );
      expect(callsOf(chatId, 'delivery').map((body) => (body.delivery as Body).messageId)).toEqual(
        outbound.map((row) => row.id),
      );
    }
  });
});
