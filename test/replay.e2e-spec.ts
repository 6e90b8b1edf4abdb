import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  asTenant,
  listMessages,
  makeActiveChannel,
  makeAgent,
  makeTenant,
  type TestTenant,
} from './support/admin-api.js';
import { startFakeClientServer, type FakeClientServer } from './support/fake-client-server.js';
import { postEvent, visitorEvent } from './support/inbound.js';
import { eventually, sendMessages, startFakeAgentRuntime, type FakeAgentRuntime } from './support/outbound.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/** Bulk replay (docs/admin-api.md, "Bulk replay"): failed messages of a window back in their lanes, on the wire. */
describe('POST /api/v1/channels/{channelId}/replay', () => {
  let t: TestApp;
  let client: FakeClientServer;
  let runtime: FakeAgentRuntime;
  let acme: TestTenant;
  let other: TestTenant;
  /** While true the client server answers 400 (failed at once), and the runtime 400 for texts starting "agent-down". */
  let down = true;

  const delivered = (chatId: string): string[] =>
    sendMessages(client)
      .filter((sent) => (sent.json as { chat_id?: unknown }).chat_id === chatId && sent.answeredStatus === 200)
      .map((sent) => String((sent.json as { message: { text: string } }).message.text));

  beforeAll(async () => {
    runtime = await startFakeAgentRuntime();
    runtime.respondWith((call) => {
      const text = (call.body.message as { text: string }).text;
      if (down && text.startsWith('agent-down')) return { status: 400, body: { error: 'not now' } };
      return { status: 200, body: { replies: [{ text: `Agent: ${text}` }] } };
    });
    client = await startFakeClientServer();
    client.respondWith(() =>
      down ? { status: 400, body: { error: 'closed for the night' } } : { status: 200, body: {} },
    );
    t = await startTestApp({ env: { AGENT_RUNTIME_URL: runtime.url, LOG_LEVEL: 'error' } });
    acme = await makeTenant(t, 'Replay');
    other = await makeTenant(t, 'Other');
    await makeAgent(t, acme, 'a-1');
  });

  afterAll(async () => {
    await t?.close();
    await client?.close();
    await runtime?.close();
  });

  const statuses = async (channelId: string, chatId: string) =>
    (await listMessages(t, acme, channelId, chatId)).map((m) => `${m.direction}:${m.status}`);

  it('queues a window of failures again across chats, in per-chat order; a second run requeues nothing', async () => {
    down = true;
    const channel = await makeActiveChannel(t, acme, 'a-1', { webhookUrl: `${client.url}/hooks` });
    const post = (chatId: string, messageId: string, text: string) =>
      postEvent(t, channel.token, visitorEvent({ chatId, messageId, text })).expect(200);
    // Before the window: one failure that must stay failed.
    await post('early', 'm-early', 'early');
    await eventually(async () =>
      (await statuses(channel.id, 'early')).includes('outbound:failed') ? true : undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const since = new Date().toISOString();
    for (const [chat, n] of [
      ['r-a', 3],
      ['r-b', 2],
    ] as const)
      for (let k = 1; k <= n; k += 1) await post(chat, `${chat}-${k}`, `${chat} ${k}`);
    await post('r-c', 'r-c-1', 'agent-down 1');
    await eventually(async () => {
      const all = [
        ...(await statuses(channel.id, 'r-a')),
        ...(await statuses(channel.id, 'r-b')),
        ...(await statuses(channel.id, 'r-c')),
      ];
      return all.filter((s) => s.endsWith(':failed')).length === 6 ? true : undefined;
    });

    down = false;
    const replay = await asTenant(t, acme).post(`/api/v1/channels/${channel.id}/replay`, { since });
    expect({ status: replay.status, body: replay.body }).toEqual({ status: 200, body: { requeued: 6 } });
    await eventually(() =>
      delivered('r-a').length === 3 && delivered('r-b').length === 2 && delivered('r-c').length === 1
        ? true
        : undefined,
    );
    expect(delivered('r-a')).toEqual(['Agent: r-a 1', 'Agent: r-a 2', 'Agent: r-a 3']);
    expect(delivered('r-b')).toEqual(['Agent: r-b 1', 'Agent: r-b 2']);
    expect(delivered('r-c')).toEqual(['Agent: agent-down 1']);
    // Each replayed reply kept its Idempotency-Key: its first, failed attempt and the replayed one carry the same.
    const keys = sendMessages(client)
      .filter((sent) => (sent.json as { chat_id?: unknown }).chat_id === 'r-a')
      .map((sent) => `${String(sent.headers['idempotency-key'])}:${sent.answeredStatus}`);
    expect(keys.filter((key) => key.endsWith(':200')).map((key) => key.split(':')[0])).toEqual(
      keys.filter((key) => key.endsWith(':400')).map((key) => key.split(':')[0]),
    );
    expect(await statuses(channel.id, 'early')).toEqual(['inbound:answered', 'outbound:failed']);

    const again = await asTenant(t, acme).post(`/api/v1/channels/${channel.id}/replay`, { since });
    expect(again.body).toEqual({ requeued: 0 });
  });

  it('until bounds the window; bad times are a 400 naming the field; another tenant’s channel is 404', async () => {
    down = true;
    const channel = await makeActiveChannel(t, acme, 'a-1', { webhookUrl: `${client.url}/hooks` });
    await postEvent(t, channel.token, visitorEvent({ chatId: 'u-1', messageId: 'u-1', text: 'u 1' })).expect(200);
    await eventually(async () => ((await statuses(channel.id, 'u-1')).includes('outbound:failed') ? true : undefined));
    const path = `/api/v1/channels/${channel.id}/replay`;
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    const minuteAgo = new Date(Date.now() - 60_000).toISOString();
    expect((await asTenant(t, acme).post(path, { since: hourAgo, until: minuteAgo })).body).toEqual({ requeued: 0 });

    for (const [body, field] of [
      [{}, 'since'],
      [{ since: 'yesterday' }, 'since'],
      [{ since: hourAgo, until: 42 }, 'until'],
      [{ since: minuteAgo, until: hourAgo }, 'since'],
    ] as const) {
      const res = await asTenant(t, acme).post(path, body);
      expect({ body, status: res.status, fields: res.body.details?.map((d: { field: string }) => d.field) }).toEqual({
        body,
        status: 400,
        fields: [field],
      });
    }
    const foreign = await asTenant(t, other).post(path, { since: hourAgo });
    expect({ status: foreign.status, code: foreign.body.code }).toEqual({ status: 404, code: 'NOT_FOUND' });
    expect(await statuses(channel.id, 'u-1')).toEqual(['inbound:answered', 'outbound:failed']);
    down = false;
  });
});
