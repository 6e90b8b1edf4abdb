import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
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
import { postEvent, tokenOf, visitorEvent } from './support/inbound.js';
import {
  agentEcho,
  eventually,
  sendMessages,
  startFakeAgentRuntime,
  type FakeAgentRuntime,
} from './support/outbound.js';
import {
  BLOCKED_DESTINATIONS,
  METADATA_DESTINATIONS,
  startConnectionCounter,
  type ConnectionCounter,
} from './support/ssrf.js';
import { TEST_ADMIN_TOKEN, startTestApp, type TestApp } from './support/test-app.js';

const MIB = 1024 * 1024;
const chatOf = (sent: RecordedRequest): unknown => (sent.json as { chat_id?: unknown } | undefined)?.chat_id;
const textOf = (sent: RecordedRequest): unknown => (sent.json as { message: { text?: string } }).message.text;

interface RawClientServer {
  url: string;
  /** The Idempotency-Key of every send_message received. */
  sends: string[];
  close(): Promise<void>;
}

/** A client server whose every answer is the same raw bytes: what the fake client server (it sends JSON) cannot send. */
async function startRawClientServer(
  status: number,
  headers: Record<string, string>,
  body: Buffer,
): Promise<RawClientServer> {
  const sends: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url?.endsWith('/send_message')) sends.push(String(req.headers['idempotency-key']));
      res.on('error', () => undefined);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length, ...headers });
      res.end(body);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    sends,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('hostile peers: client servers and an Agent runtime that answer badly (issue 11)', () => {
  let t: TestApp;
  let client: FakeClientServer;
  let runtime: FakeAgentRuntime;
  let acme: TestTenant;
  let chatSeq = 0;

  const channel = (overrides: { webhookUrl?: string; webhookToken?: string } = {}) =>
    makeActiveChannel(t, acme, 'a-1', { webhookUrl: `${client.url}/hooks`, ...overrides });
  const messagesOf = (channelId: string, chatId: number): Promise<Message[]> =>
    listMessages(t, acme, channelId, chatId);

  const outbound = async (channelId: string, chatId: number): Promise<Message[]> =>
    (await messagesOf(channelId, chatId)).filter((message) => message.direction === 'outbound');
  const sendsFor = (chatId: number): RecordedRequest[] =>
    sendMessages(client).filter((sent) => chatOf(sent) === chatId);

  /** The first reply of the chat once it has settled (delivered or failed), or once an attempt failed. */
  const firstReplySettled = (channelId: string, chatId: number): Promise<Message> =>
    eventually(async () => {
      const [reply] = await outbound(channelId, chatId);
      return reply && (reply.status !== 'queued' || reply.lastError !== undefined) ? reply : undefined;
    });

  beforeAll(async () => {
    client = await startFakeClientServer();
    runtime = await startFakeAgentRuntime();
    t = await startTestApp({ env: { AGENT_RUNTIME_URL: runtime.url } });
    acme = await makeTenant(t);
    await makeAgent(t, acme, 'a-1');
  });

  beforeEach(() => {
    chatSeq += 1;
    client.respondWith(() => ({ status: 200, body: {} }));
    runtime.respondWith(agentEcho);
  });

  afterAll(async () => {
    await t?.close();
    await runtime?.close();
    await client?.close();
  });

  it('finding 1: an error body whose excerpt would split a surrogate pair is cut on code points; the chat goes on', async () => {
    const { id, token } = await channel();
    const chatId = 1000 + chatSeq;
    client.respondWith((sent) =>
      chatOf(sent) === chatId && sendsFor(chatId).length === 1
        ? { status: 503, body: '😀'.repeat(300) }
        : { status: 200, body: {} },
    );
    await postEvent(t, token, visitorEvent({ chatId, messageId: `s-${chatSeq}-1`, text: 'one' })).expect(200);
    await postEvent(t, token, visitorEvent({ chatId, messageId: `s-${chatSeq}-2`, text: 'two' })).expect(200);
    const sent = await eventually(() => (sendsFor(chatId).length === 3 ? sendsFor(chatId) : undefined));
    expect(sent.map(textOf)).toEqual(['Agent: one', 'Agent: one', 'Agent: two']);
    const [first, second] = await outbound(id, chatId);
    expect(first).toMatchObject({ status: 'delivered', attempts: 2, lastError: `HTTP 503: "${'😀'.repeat(299)}…` });
    expect(second).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it.each([
    [
      'half a surrogate pair in a text',
      { text: 'half \ud83d' },
      'replies[0].text must be well-formed Unicode (it contains half of a surrogate pair)',
    ],
    [
      'half a surrogate pair in a button label',
      { text: 'Pick', buttons: [[{ id: '1', text: '\ude00 yes' }]] },
      'replies[0].buttons[0][0].text must be well-formed Unicode (it contains half of a surrogate pair)',
    ],
    [
      'half a surrogate pair in a file name',
      { file: { url: 'https://files.example.com/a.pdf', name: 'a\ud83d.pdf' } },
      'replies[0].file.name must be well-formed Unicode (it contains half of a surrogate pair)',
    ],
    [
      'a NUL in a file URL',
      { file: { url: 'https://files.example.com/a\u0000.pdf' } },
      'replies[0].file.url must not contain NUL (\\u0000) characters',
    ],
  ])(
    'finding 1: an Agent reply with %s is an invalid answer: the message fails, nothing is sent, the chat goes on',
    async (_name, reply, problem) => {
      const { id, token } = await channel();
      const chatId = 2000 + chatSeq;
      runtime.respondWith((call) =>
        (call.body.message as { text: string }).text === 'bad'
          ? { status: 200, body: { replies: [reply] } }
          : { status: 200, body: { replies: [{ text: 'fine' }] } },
      );
      await postEvent(t, token, visitorEvent({ chatId, messageId: `a-${chatSeq}-1`, text: 'bad' })).expect(200);
      await postEvent(t, token, visitorEvent({ chatId, messageId: `a-${chatSeq}-2`, text: 'good' })).expect(200);
      await eventually(() => (sendsFor(chatId).length === 1 ? true : undefined));
      const inbound = await eventually(async () => {
        const listed = (await messagesOf(id, chatId)).filter((message) => message.direction === 'inbound');
        return listed.every((message) => message.status !== 'received') ? listed : undefined;
      });
      expect(inbound.map((message) => [message.text, message.status, message.attempts])).toEqual([
        ['bad', 'failed', 1],
        ['good', 'answered', 1],
      ]);
      expect(inbound[0].lastError).toBe(`The Agent runtime answered with an invalid reply: ${problem}`);
      expect(sendsFor(chatId).map(textOf)).toEqual(['fine']);
    },
  );

  it('finding 7: a client server echoing the webhook token (as sent, URL-encoded) or the operator token: [REDACTED] in lastError and the logs', async () => {
    const secret = 'WHT/echo+secret=0123456789';
    const { id, token } = await channel({ webhookToken: secret });
    const echoing = 3000 + chatSeq;
    const cut = 3500 + chatSeq;
    t.logs.length = 0;
    client.respondWith((sent) => {
      if (chatOf(sent) === echoing)
        return {
          status: 401,
          body: `got ${String(sent.headers.authorization)}; as a query: ${encodeURIComponent(secret)}; admin: ${TEST_ADMIN_TOKEN}`,
        };
      // The token starts at code point 290 of the body: an excerpt cut at 300 would keep its first 10 characters.
      if (chatOf(sent) === cut) return { status: 401, body: `${'x'.repeat(282)} Token ${secret}` };
      return { status: 200, body: {} };
    });
    await postEvent(t, token, visitorEvent({ chatId: echoing, messageId: `e-${chatSeq}-1` })).expect(200);
    await postEvent(t, token, visitorEvent({ chatId: cut, messageId: `e-${chatSeq}-2` })).expect(200);
    const echoed = await firstReplySettled(id, echoing);
    const straddled = await firstReplySettled(id, cut);
    expect(echoed).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: 'HTTP 401: "got Token [REDACTED]; as a query: [REDACTED]; admin: [REDACTED]"',
    });
    expect(straddled).toMatchObject({ status: 'failed', attempts: 1 });
    expect(straddled.lastError).toBe(`HTTP 401: "${'x'.repeat(282)} Token [REDACTED]…`);
    const logs = t.logs.join('');
    expect(logs).toContain('Outbound message failed');
    for (const leaked of [secret, encodeURIComponent(secret), secret.slice(0, 6), TEST_ADMIN_TOKEN])
      expect(logs).not.toContain(leaked);
  });

  it('finding 9: a 200 with a 2 MiB body is delivered once; a 503 with one is retried with a bounded excerpt', async () => {
    const { id, token } = await channel();
    const big = 4000 + chatSeq;
    const busy = 4500 + chatSeq;
    client.respondWith((sent) => {
      if (chatOf(sent) === big) return { status: 200, body: 'x'.repeat(2 * MIB) };
      if (chatOf(sent) === busy && sendsFor(busy).length === 1) return { status: 503, body: 'y'.repeat(2 * MIB) };
      return { status: 200, body: {} };
    });
    await postEvent(t, token, visitorEvent({ chatId: big, messageId: `b-${chatSeq}-1` })).expect(200);
    await postEvent(t, token, visitorEvent({ chatId: busy, messageId: `b-${chatSeq}-2` })).expect(200);
    const delivered = await firstReplySettled(id, big);
    expect(delivered).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(delivered.lastError).toBeUndefined();
    expect(sendsFor(big)).toHaveLength(1);
    await eventually(() => (sendsFor(busy).length === 2 ? true : undefined));
    const [retried] = await eventually(async () => {
      const listed = await outbound(id, busy);
      return listed[0]?.status === 'delivered' ? listed : undefined;
    });
    expect(retried).toMatchObject({ attempts: 2, lastError: `HTTP 503: "${'y'.repeat(299)}…` });
  });

  it('finding 9: a 200 whose gzip body inflates to 256 MiB (a gzip bomb) is delivered once', async () => {
    const member = gzipSync(Buffer.alloc(16 * MIB));
    const bomb = Buffer.concat(Array.from({ length: 16 }, () => member));
    const raw = await startRawClientServer(200, { 'content-encoding': 'gzip' }, bomb);
    try {
      const { id, token } = await channel({ webhookUrl: `${raw.url}/hooks` });
      const chatId = 5000 + chatSeq;
      await postEvent(t, token, visitorEvent({ chatId, messageId: `g-${chatSeq}` })).expect(200);
      const reply = await firstReplySettled(id, chatId);
      expect(reply).toMatchObject({ status: 'delivered', attempts: 1 });
      expect(raw.sends).toEqual([reply.id]);
    } finally {
      await raw.close();
    }
  });

  it.each(METADATA_DESTINATIONS)(
    'finding 10: %s is refused even with private networks allowed, and lastError names the rule',
    async (_name, url, lastError) => {
      const counter = await startConnectionCounter();
      try {
        const { id, token } = await channel({ webhookUrl: url(counter.port) });
        const chatId = 6000 + chatSeq;
        await postEvent(t, token, visitorEvent({ chatId, messageId: `m-${chatSeq}` })).expect(200);
        expect(await firstReplySettled(id, chatId)).toMatchObject({ status: 'failed', attempts: 1, lastError });
        expect(counter.connections()).toBe(0);
      } finally {
        await counter.close();
      }
    },
  );
});

describe('hostile peers: loopback in every notation, with private networks disallowed (issue 11, finding 10)', () => {
  let t: TestApp;
  let acme: TestTenant;
  let counter: ConnectionCounter;
  let chatId = 0;

  beforeAll(async () => {
    t = await startTestApp({ env: { OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'false' } });
    acme = await makeTenant(t);
    await makeAgent(t, acme, 'a-1');
    counter = await startConnectionCounter();
  });

  afterAll(async () => {
    await counter?.close();
    await t?.close();
  });

  it.each(BLOCKED_DESTINATIONS)(
    '%s: the reply fails at once, lastError names the rule and no resolved address, nothing connects',
    async (_name, url, lastError) => {
      chatId += 1;
      const created = await makeChannel(t, acme, 'a-1', { webhookUrl: url(counter.port), active: true });
      await postEvent(t, tokenOf(created), visitorEvent({ chatId, messageId: `l-${chatId}` })).expect(200);
      const reply = await eventually(async () => {
        const res = await asTenant(t, acme).get(`/api/v1/channels/${String(created.id)}/chats/${chatId}/messages`);
        const found = (res.body.items as Message[]).find((message) => message.direction === 'outbound');
        return found && (found.status !== 'queued' || found.lastError !== undefined) ? found : undefined;
      });
      expect(reply).toMatchObject({ status: 'failed', attempts: 1, lastError });
      expect(counter.connections()).toBe(0);
    },
  );
});
