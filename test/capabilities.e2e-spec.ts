import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  asTenant,
  listMessages,
  makeActiveChannel,
  makeAgent,
  makeTenant,
  type TestTenant,
} from './support/admin-api.js';
import {
  startFakeClientServer,
  type FakeClientServer,
  type RecordedRequest,
  type Responder,
} from './support/fake-client-server.js';
import { postEvent, visitorEvent } from './support/inbound.js';
import { eventually, sendMessages, startFakeAgentRuntime, type FakeAgentRuntime } from './support/outbound.js';
import { startTestApp, type TestApp } from './support/test-app.js';

type Sent = { id: string; kind: string; text?: string; buttons?: unknown; data?: unknown };

describe('channel capabilities: files as files, long messages, markdown (docs/protocol.md, Extensions)', () => {
  let t: TestApp;
  let client: FakeClientServer;
  let runtime: FakeAgentRuntime;
  let acme: TestTenant;
  let seq = 0;
  /** `chat_id|text` of send_message calls to refuse once with 503. */
  const refuse = new Set<string>();

  const sentTo = (chatId: string): (Sent & { status?: number; key: string })[] =>
    sendMessages(client)
      .filter((sent) => (sent.json as { chat_id: unknown }).chat_id === chatId)
      .map((sent: RecordedRequest) => ({
        ...(sent.json as { message: Sent }).message,
        status: sent.answeredStatus,
        key: String(sent.headers['idempotency-key']),
      }));

  async function channelWith(capabilities?: Record<string, unknown>): Promise<{ id: string; token: string }> {
    const channel = await makeActiveChannel(t, acme, 'a-1', { webhookUrl: `${client.url}/hooks` });
    if (capabilities) {
      const res = await asTenant(t, acme).patch(`/api/v1/channels/${channel.id}`, { capabilities });
      expect(res.status).toBe(200);
    }
    return channel;
  }

  /** The Agent answers the next visitor message with `replies`; resolves with what the client server received. */
  async function converse(channel: { token: string }, replies: unknown[], expected: number): Promise<Sent[]> {
    const chat = `cap-${(seq += 1)}`;
    runtime.respondWith(() => ({ status: 200, body: { replies } }));
    await postEvent(t, channel.token, visitorEvent({ chatId: chat, messageId: `m-${seq}` })).expect(200);
    return eventually(() => {
      const delivered = sentTo(chat).filter((sent) => sent.status === 200);
      return delivered.length >= expected ? delivered : undefined;
    });
  }

  /** 503 once for a `chat_id|text` in `refuse`, 200 otherwise. */
  const refusingListed: Responder = (sent) => {
    const body = sent.json as { chat_id?: unknown; message?: { text?: string } } | undefined;
    const key = `${String(body?.chat_id)}|${body?.message?.text ?? ''}`;
    if (refuse.has(key)) {
      refuse.delete(key);
      return { status: 503, body: { error: 'busy' } };
    }
    return { status: 200, body: {} };
  };

  beforeAll(async () => {
    runtime = await startFakeAgentRuntime();
    client = await startFakeClientServer();
    client.respondWith(refusingListed);
    t = await startTestApp({ env: { AGENT_RUNTIME_URL: runtime.url, LOG_LEVEL: 'warn' } });
    acme = await makeTenant(t, 'Capabilities');
    await makeAgent(t, acme, 'a-1');
  });

  afterAll(async () => {
    await t?.close();
    await client?.close();
    await runtime?.close();
  });

  it('a channel shows its capabilities, all off by default; PATCH changes only what it gives; bad values are a 400', async () => {
    const channel = await channelWith();
    const path = `/api/v1/channels/${channel.id}`;
    expect((await asTenant(t, acme).get(path)).body.capabilities).toEqual({
      files: 'link',
      maxMessageLength: null,
      markdown: 'pass',
      redirectChat: false,
      closeChat: false,
    });
    const set = await asTenant(t, acme).patch(path, { capabilities: { files: 'file', maxMessageLength: 1000 } });
    const off = { redirectChat: false, closeChat: false };
    expect(set.body.capabilities).toEqual({ files: 'file', maxMessageLength: 1000, markdown: 'pass', ...off });
    const more = await asTenant(t, acme).patch(path, { capabilities: { markdown: 'strip' } });
    expect(more.body.capabilities).toEqual({ files: 'file', maxMessageLength: 1000, markdown: 'strip', ...off });
    const cleared = await asTenant(t, acme).patch(path, { capabilities: { maxMessageLength: null } });
    expect(cleared.body.capabilities).toEqual({ files: 'file', maxMessageLength: null, markdown: 'strip', ...off });

    for (const [capabilities, field] of [
      [{ files: 'files' }, 'capabilities.files'],
      [{ maxMessageLength: 0 }, 'capabilities.maxMessageLength'],
      [{ maxMessageLength: 65537 }, 'capabilities.maxMessageLength'],
      [{ maxMessageLength: 1.5 }, 'capabilities.maxMessageLength'],
      [{ markdown: true }, 'capabilities.markdown'],
      [{ redirectChat: 'yes' }, 'capabilities.redirectChat'],
      [{ colour: 'red' }, 'capabilities.colour'],
    ] as const) {
      const res = await asTenant(t, acme).patch(path, { capabilities });
      expect({
        capabilities,
        status: res.status,
        fields: res.body.details?.map((d: { field: string }) => d.field),
      }).toEqual({ capabilities, status: 400, fields: [field] });
    }
    expect((await asTenant(t, acme).patch(path, { capabilities: null })).status).toBe(400);
    expect((await asTenant(t, acme).get(path)).body.capabilities).toEqual({
      files: 'file',
      maxMessageLength: null,
      markdown: 'strip',
      ...off,
    });
  });

  it('with the defaults, a reply goes out as the seed says: text as written, whole, and the file as its link', async () => {
    const channel = await channelWith();
    const long = `**Bold** ${'word '.repeat(300)}end`;
    const sent = await converse(
      channel,
      [{ text: long, file: { url: 'https://files.example.com/a.pdf', name: 'a.pdf' } }],
      2,
    );
    expect(sent.map(({ kind, text }) => ({ kind, text }))).toEqual([
      { kind: 'operator', text: long },
      { kind: 'operator', text: 'https://files.example.com/a.pdf' },
    ]);
  });

  it('files: "file" sends a file_operator message with url, name and media_type; the messages API shows the file', async () => {
    const channel = await channelWith({ files: 'file' });
    const file = { url: 'https://files.example.com/a.pdf', name: 'a.pdf', mediaType: 'application/pdf' };
    const sent = await converse(
      channel,
      [{ text: 'Here it is', file }, { file: { url: 'https://x.example.com/b' } }],
      3,
    );
    expect(sent.map(({ kind, text, data }) => ({ kind, text, data }))).toEqual([
      { kind: 'operator', text: 'Here it is', data: undefined },
      { kind: 'file_operator', text: undefined, data: { url: file.url, name: 'a.pdf', media_type: 'application/pdf' } },
      { kind: 'file_operator', text: undefined, data: { url: 'https://x.example.com/b' } },
    ]);
    const listed = await listMessages(t, acme, channel.id, `cap-${seq}`);
    expect(
      listed.filter((m) => m.kind === 'file_operator').map((m) => (m as unknown as { file: unknown }).file),
    ).toEqual([file, { url: 'https://x.example.com/b' }]);
  });

  it('maxMessageLength splits a long text at word boundaries into several messages, in order, each with its own id', async () => {
    const channel = await channelWith({ maxMessageLength: 20 });
    const text = 'The quick brown fox jumps over the lazy dog 😀😀 and then some more words';
    const sent = await converse(channel, [{ text, buttons: [[{ id: '1', text: 'OK' }]] }], 5);
    const parts = sent.filter((one) => one.kind === 'operator').map((one) => one.text as string);
    expect(parts).toEqual(['The quick brown fox', 'jumps over the lazy', 'dog 😀😀 and then some', 'more words']);
    expect(parts.every((part) => Array.from(part).length <= 20)).toBe(true);
    expect(sent.at(-1)?.kind).toBe('keyboard');
    expect(new Set(sent.map((one) => one.id)).size).toBe(sent.length);
  });

  it('a split reply retried in the middle: the parts before are sent once, the refused one again, the rest after it', async () => {
    const channel = await channelWith({ maxMessageLength: 10 });
    const chat = `cap-${seq + 1}`;
    refuse.add(`${chat}|part two`);
    const sent = await converse(channel, [{ text: 'part one part two part three' }], 3);
    const all = sentTo(chat);
    expect(all.map(({ text, status }) => ({ text, status }))).toEqual([
      { text: 'part one', status: 200 },
      { text: 'part two', status: 503 },
      { text: 'part two', status: 200 },
      { text: 'part three', status: 200 },
    ]);
    expect(all[1].key).toBe(all[2].key);
    expect(sent.map((one) => one.text)).toEqual(['part one', 'part two', 'part three']);
  });

  it('markdown: "strip" sends plain text (links keep their URL) and plain button labels', async () => {
    const channel = await channelWith({ markdown: 'strip' });
    const sent = await converse(
      channel,
      [
        {
          text: '# Order **42**\n\nTrack it [here](https://shop.example.com/t/42).',
          buttons: [[{ id: 'y', text: '*Yes*' }]],
        },
      ],
      2,
    );
    expect(sent.map(({ kind, text, buttons }) => ({ kind, text, buttons }))).toEqual([
      { kind: 'operator', text: 'Order 42\n\nTrack it here (https://shop.example.com/t/42).', buttons: undefined },
      { kind: 'keyboard', text: undefined, buttons: [[{ id: 'y', text: 'Yes' }]] },
    ]);
  });

  it('a capability switched off mid-chat shapes the replies drafted after it; the write-first API follows it too', async () => {
    const channel = await channelWith({ files: 'file' });
    const before = await converse(channel, [{ file: { url: 'https://f.example.com/1' } }], 1);
    expect(before.map((one) => one.kind)).toEqual(['file_operator']);
    const chat = `cap-${seq}`;
    await asTenant(t, acme)
      .patch(`/api/v1/channels/${channel.id}`, { capabilities: { files: 'link' } })
      .expect(200);
    const written = await asTenant(t, acme).post(`/api/v1/channels/${channel.id}/chats/${chat}/messages`, {
      file: { url: 'https://f.example.com/2' },
    });
    expect(written.status).toBe(202);
    const after = await eventually(() => {
      const delivered = sentTo(chat).filter((one) => one.status === 200);
      return delivered.length >= 2 ? delivered : undefined;
    });
    expect(after.map(({ kind, text }) => ({ kind, text }))).toEqual([
      { kind: 'file_operator', text: undefined },
      { kind: 'operator', text: 'https://f.example.com/2' },
    ]);
  });

  describe('actions: redirect and close (docs/protocol.md, Extensions)', () => {
    /** Every request the client server got for a chat, as [method, body, status, key]. */
    const callsFor = (chatId: unknown) =>
      client.requests
        .filter((sent) => (sent.json as { chat_id?: unknown } | undefined)?.chat_id === chatId)
        .map((sent) => ({
          method: sent.url.split('?')[0].split('/').at(-1),
          body: sent.json as Record<string, unknown>,
          status: sent.answeredStatus,
          key: String(sent.headers['idempotency-key']),
          authorization: sent.headers.authorization,
        }));

    async function answered(channel: { token: string }, chatId: string | number, answer: object, calls: number) {
      runtime.respondWith(() => ({ status: 200, body: answer }));
      await postEvent(t, channel.token, visitorEvent({ chatId, messageId: `m-${(seq += 1)}` })).expect(200);
      return eventually(() => {
        const done = callsFor(chatId).filter((call) => call.status === 200);
        return done.length >= calls ? done : undefined;
      });
    }

    it('go out after the replies of the same answer, as redirect_chat and close_chat, with the send_message headers', async () => {
      const channel = await makeActiveChannel(t, acme, 'a-1', {
        webhookUrl: `${client.url}/hooks`,
        webhookToken: 'tok-a',
      });
      await asTenant(t, acme)
        .patch(`/api/v1/channels/${channel.id}`, { capabilities: { redirectChat: true, closeChat: true } })
        .expect(200);
      const chat = 7001;
      const calls = await answered(
        channel,
        chat,
        {
          replies: [{ text: 'Handing you over' }],
          actions: [
            { type: 'redirect', operatorId: '42' },
            { type: 'redirect', departmentKey: 'sales' },
            { type: 'redirect' },
            { type: 'close' },
          ],
        },
        5,
      );
      expect(calls.map(({ method, body }) => ({ method, body }))).toEqual([
        { method: 'send_message', body: expect.objectContaining({ chat_id: chat }) },
        { method: 'redirect_chat', body: { chat_id: chat, operator_id: '42' } },
        { method: 'redirect_chat', body: { chat_id: chat, dep_key: 'sales' } },
        { method: 'redirect_chat', body: { chat_id: chat } },
        { method: 'close_chat', body: { chat_id: chat } },
      ]);
      expect(calls.every((call) => call.authorization === 'Token tok-a')).toBe(true);
      expect(new Set(calls.map((call) => call.key)).size).toBe(5);
      const listed = await listMessages(t, acme, channel.id, chat);
      expect(
        listed
          .filter((m) => m.direction === 'outbound')
          .map((m) => ({ kind: m.kind, status: m.status, action: (m as unknown as { action?: unknown }).action })),
      ).toEqual([
        { kind: 'operator', status: 'delivered', action: undefined },
        { kind: 'redirect', status: 'delivered', action: { type: 'redirect', operatorId: '42' } },
        { kind: 'redirect', status: 'delivered', action: { type: 'redirect', departmentKey: 'sales' } },
        { kind: 'redirect', status: 'delivered', action: { type: 'redirect' } },
        { kind: 'close', status: 'delivered', action: { type: 'close' } },
      ]);
    });

    it('an action the channel does not accept is never sent: skipped with the reason, and the chat goes on', async () => {
      const channel = await channelWith({ redirectChat: true });
      const chat = 'act-skip';
      await answered(channel, chat, { replies: [{ text: 'one' }], actions: [{ type: 'close' }] }, 1);
      const after = await answered(channel, chat, { replies: [{ text: 'two' }], actions: [{ type: 'redirect' }] }, 3);
      expect(after.map(({ method }) => method)).toEqual(['send_message', 'send_message', 'redirect_chat']);
      expect(callsFor(chat).some((call) => call.method === 'close_chat')).toBe(false);
      const close = (await listMessages(t, acme, channel.id, chat)).find((m) => m.kind === 'close');
      expect(close).toMatchObject({
        status: 'skipped',
        attempts: 0,
        lastError: 'Not sent: the channel does not accept close_chat (capabilities.closeChat is off)',
      });
    });

    it('an action is retried like a message, under the same Idempotency-Key', async () => {
      const channel = await channelWith({ closeChat: true });
      const chat = 'act-retry';
      let refusals = 1;
      client.respondWith((sent) => {
        if (sent.url.includes('/close_chat') && refusals > 0) {
          refusals -= 1;
          return { status: 503, body: {} };
        }
        return { status: 200, body: {} };
      });
      try {
        runtime.respondWith(() => ({ status: 200, body: { replies: [], actions: [{ type: 'close' }] } }));
        await postEvent(t, channel.token, visitorEvent({ chatId: chat, messageId: `m-${(seq += 1)}` })).expect(200);
        const closes = await eventually(() => {
          const all = callsFor(chat).filter((call) => call.method === 'close_chat');
          return all.length >= 2 && all[1].status === 200 ? all : undefined;
        });
        expect(closes.map((call) => call.status)).toEqual([503, 200]);
        expect(closes[0].key).toBe(closes[1].key);
      } finally {
        client.respondWith(refusingListed);
      }
    });

    it('the write-first API takes an action as its body, and refuses one mixed with a reply', async () => {
      const channel = await channelWith({ redirectChat: true });
      const chat = 'act-write';
      await answered(channel, chat, { replies: [{ text: 'hi' }] }, 1);
      const path = `/api/v1/channels/${channel.id}/chats/${chat}/messages`;
      const res = await asTenant(t, acme).post(path, { action: { type: 'redirect', departmentKey: 'billing' } });
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({
        kind: 'redirect',
        status: 'queued',
        action: { type: 'redirect', departmentKey: 'billing' },
      });
      await eventually(() =>
        callsFor(chat).some((call) => call.method === 'redirect_chat' && call.status === 200) ? true : undefined,
      );
      expect(callsFor(chat).find((call) => call.method === 'redirect_chat')?.body).toEqual({
        chat_id: chat,
        dep_key: 'billing',
      });
      const skipped = await asTenant(t, acme).post(path, { action: { type: 'close' } });
      expect(skipped.body).toMatchObject({ kind: 'close', status: 'skipped' });
      for (const body of [{ action: { type: 'close' }, text: 'x' }, { action: { type: 'hold' } }]) {
        const bad = await asTenant(t, acme).post(path, body);
        expect({ status: bad.status, field: bad.body.details?.[0]?.field }).toEqual({ status: 400, field: 'action' });
      }
    });
  });
});
