import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import {
  asTenant,
  listMessages,
  makeActiveChannel,
  makeAgent,
  makeTenant,
  type TestTenant,
} from './support/admin-api.js';
import { startFakeClientServer, type FakeClientServer, type RecordedRequest } from './support/fake-client-server.js';
import { postEvent, visitorEvent } from './support/inbound.js';
import { eventually, sendMessages } from './support/outbound.js';
import { startTestApp, type TestApp } from './support/test-app.js';

type Answer = { status: number; body?: unknown; headers?: Record<string, string> };

/**
 * Endpoint health and the client server's pace (docs/outbound.md): a channel paused after CHANNEL_PAUSE_AFTER without
 * a 2xx or at a 410, its replies held and sent in order after a probe or a resume; a Retry-After holding the channel.
 */
describe('endpoint health: pause, probe, resume, and a client server’s Retry-After', () => {
  let t: TestApp;
  let client: FakeClientServer;
  let acme: TestTenant;
  let other: TestTenant;
  let seq = 0;
  /** How the client server answers, per webhook path (one per channel). */
  const answers = new Map<string, (sent: RecordedRequest) => Answer>();

  beforeAll(async () => {
    client = await startFakeClientServer();
    client.respondWith((sent) => {
      const hook = sent.url.split('/').slice(0, 3).join('/');
      return answers.get(hook)?.(sent) ?? { status: 200, body: {} };
    });
    t = await startTestApp({
      env: {
        CHANNEL_PAUSE_AFTER: '4s',
        CHANNEL_PROBE_INTERVAL: '2s',
        // Attempts go on for longer than the pause takes (20 × 300 ms).
        DELIVERY_RETRY_DELAYS_MS: Array.from({ length: 20 }, () => '300').join(','),
        LOG_LEVEL: 'error',
      },
    });
    acme = await makeTenant(t, 'Health');
    other = await makeTenant(t, 'Other');
    await makeAgent(t, acme, 'a-1');
  });

  afterAll(async () => {
    await t?.close();
    await client?.close();
  });

  async function channel(answer: (sent: RecordedRequest) => Answer) {
    const hook = `/hooks/${(seq += 1)}`;
    answers.set(hook, answer);
    const made = await makeActiveChannel(t, acme, 'a-1', { webhookUrl: `${client.url}${hook}` });
    return { ...made, hook, answer: (next: (sent: RecordedRequest) => Answer) => answers.set(hook, next) };
  }

  const health = async (channelId: string) =>
    (await asTenant(t, acme).get(`/api/v1/channels/${channelId}`)).body.health as {
      state: string;
      since: string | null;
      reason: string | null;
    };
  const to = (hook: string, chatId: string) =>
    sendMessages(client).filter(
      (sent) => sent.url.startsWith(`${hook}/`) && (sent.json as { chat_id?: unknown } | undefined)?.chat_id === chatId,
    );
  const texts = (requests: RecordedRequest[]) =>
    requests
      .filter((sent) => sent.answeredStatus === 200)
      .map((sent) => (sent.json as { message: { text: string } }).message.text);
  const say = (token: string, chatId: string, text: string) =>
    postEvent(t, token, visitorEvent({ chatId, messageId: `m-${(seq += 1)}`, text })).expect(200);

  it('no 2xx for CHANNEL_PAUSE_AFTER pauses the channel; replies are held, visitor messages still go to the Agent; a probe answered 2xx resumes it and everything flows in order', async () => {
    const ch = await channel(() => ({ status: 500, body: { error: 'down' } }));
    await say(ch.token, 'p-1', 'one');
    const started = Date.now();
    const paused = await eventually(async () => {
      const now = await health(ch.id);
      return now.state === 'paused' ? now : undefined;
    }, 15_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3_500);
    expect(paused.reason).toBe('The client server answered no send_message with a 2xx for 4s');
    expect(Number.isNaN(Date.parse(String(paused.since)))).toBe(false);

    // Paused: visitor messages are still taken and answered by the Agent; the replies wait.
    await say(ch.token, 'p-1', 'two');
    await say(ch.token, 'p-2', 'three');
    await eventually(async () => {
      const all = [...(await listMessages(t, acme, ch.id, 'p-1')), ...(await listMessages(t, acme, ch.id, 'p-2'))];
      return all.filter((m) => m.direction === 'inbound' && m.status === 'answered').length === 3 ? all : undefined;
    });
    const messages = [...(await listMessages(t, acme, ch.id, 'p-1')), ...(await listMessages(t, acme, ch.id, 'p-2'))];
    expect(messages.filter((m) => m.direction === 'outbound').map((m) => m.status)).toEqual([
      'queued',
      'queued',
      'queued',
    ]);
    // Only probes reach the client server now: about one every 2 s, not one every 300 ms.
    const before = to(ch.hook, 'p-1').length + to(ch.hook, 'p-2').length;
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const during = to(ch.hook, 'p-1').length + to(ch.hook, 'p-2').length - before;
    expect(during).toBeGreaterThanOrEqual(1);
    expect(during).toBeLessThanOrEqual(3);

    ch.answer(() => ({ status: 200, body: {} }));
    await eventually(
      () => (texts(to(ch.hook, 'p-1')).length === 2 && texts(to(ch.hook, 'p-2')).length === 1 ? true : undefined),
      10_000,
    );
    expect(texts(to(ch.hook, 'p-1'))).toEqual(['Echo: one', 'Echo: two']);
    expect(texts(to(ch.hook, 'p-2'))).toEqual(['Echo: three']);
    expect(await health(ch.id)).toEqual({ state: 'active', since: null, reason: null });
  });

  it('410 Gone pauses at once and holds the reply; POST resume sends it; resume is tenant-scoped', async () => {
    const ch = await channel(() => ({ status: 410, body: { error: 'gone' } }));
    await say(ch.token, 'g-1', 'hello');
    const paused = await eventually(async () => {
      const now = await health(ch.id);
      return now.state === 'paused' ? now : undefined;
    });
    expect(paused.reason).toBe('The client server answered 410 Gone');
    const [reply] = (await listMessages(t, acme, ch.id, 'g-1')).filter((m) => m.direction === 'outbound');
    expect(reply).toMatchObject({ status: 'queued', lastError: 'HTTP 410: {"error":"gone"}' });

    const foreign = await asTenant(t, other).post(`/api/v1/channels/${ch.id}/resume`, {});
    expect(foreign.status).toBe(404);
    ch.answer(() => ({ status: 200, body: {} }));
    const resumed = await asTenant(t, acme).post(`/api/v1/channels/${ch.id}/resume`, {});
    expect({ status: resumed.status, health: resumed.body.health }).toEqual({
      status: 200,
      health: { state: 'active', since: null, reason: null },
    });
    await eventually(() => (texts(to(ch.hook, 'g-1')).length === 1 ? true : undefined));
    expect(texts(to(ch.hook, 'g-1'))).toEqual(['Echo: hello']);
    const metrics = await request(t.baseUrl).get('/metrics');
    expect(metrics.text).toMatch(/channel_pauses_total\{reason="gone"\} [1-9]/);
    expect(metrics.text).toMatch(/^channels_paused \d+$/m);
  });

  it('a held reply outlives its retry schedule: failed probes never fail it', async () => {
    const ch = await channel(() => ({ status: 500, body: { error: 'down' } }));
    await say(ch.token, 'x-1', 'held');
    await eventually(async () => ((await health(ch.id)).state === 'paused' ? true : undefined), 15_000);
    // 20 scheduled attempts: about 14 before the pause (4 s of 300 ms), then one probe every 2 s.
    const reply = await eventually(
      async () => {
        const [outbound] = (await listMessages(t, acme, ch.id, 'x-1')).filter((m) => m.direction === 'outbound');
        return outbound.attempts > 20 ? outbound : undefined;
      },
      30_000,
      'more than 20 attempts on the held reply',
    );
    expect(reply).toMatchObject({ status: 'queued', lastError: 'HTTP 500: {"error":"down"}' });
    ch.answer(() => ({ status: 200, body: {} }));
    await eventually(() => (texts(to(ch.hook, 'x-1')).length === 1 ? true : undefined), 10_000);
    expect((await health(ch.id)).state).toBe('active');
  }, 60_000);

  it("a 429 with Retry-After holds the channel's whole send lane, its other chats too", async () => {
    let refused = 0;
    const ch = await channel((sent) => {
      if ((sent.json as { chat_id?: unknown } | undefined)?.chat_id === 'h-1' && refused === 0) {
        refused += 1;
        return { status: 429, body: { error: 'slow down' }, headers: { 'retry-after': '2' } };
      }
      return { status: 200, body: {} };
    });
    await say(ch.token, 'h-1', 'first');
    const [refusal] = await eventually(() => (to(ch.hook, 'h-1').length > 0 ? to(ch.hook, 'h-1') : undefined));
    await say(ch.token, 'h-2', 'other chat');
    const [other] = await eventually(
      () => (texts(to(ch.hook, 'h-2')).length > 0 ? to(ch.hook, 'h-2') : undefined),
      10_000,
    );
    // The other chat's reply waited out the client's 2 s (less the moment it took to see the 429).
    expect(other.receivedAt - refusal.receivedAt).toBeGreaterThanOrEqual(1_800);
    await eventually(() => (texts(to(ch.hook, 'h-1')).length === 1 ? true : undefined), 10_000);
    expect((await health(ch.id)).state).toBe('active');
  });
  it('deliveryRateLimit caps send_message calls per second across the channel’s chats, counting no attempt for the wait', async () => {
    const ch = await channel(() => ({ status: 200, body: {} }));
    const path = `/api/v1/channels/${ch.id}`;
    for (const [deliveryRateLimit, status] of [
      [{ perSecond: 0 }, 400],
      [{ perSecond: 10001 }, 400],
      [{ perSecond: 2.5 }, 400],
      [{ perSecond: 5 }, 200],
    ] as const) {
      const res = await asTenant(t, acme).patch(path, { deliveryRateLimit });
      expect({ deliveryRateLimit, status: res.status }).toEqual({ deliveryRateLimit, status });
    }
    expect((await asTenant(t, acme).get(path)).body.deliveryRateLimit).toEqual({ perSecond: 5 });
    const chats = Array.from({ length: 10 }, (_, i) => `rate-${i}`);
    await Promise.all(chats.map((chat) => say(ch.token, chat, chat)));
    const calls = await eventually(() => {
      const all = sendMessages(client).filter((sent) => sent.url.startsWith(`${ch.hook}/`));
      return all.length === 10 ? all : undefined;
    }, 15_000);
    const times = calls.map((sent) => sent.receivedAt).sort((a, b) => a - b);
    // One call every 200 ms at most: ten calls span at least 1.8 s (less a little for the network's jitter).
    expect(times[9] - times[0]).toBeGreaterThanOrEqual(1_600);
    for (let i = 1; i < times.length; i += 1) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(100);
    for (const chat of chats) {
      const [reply] = (await listMessages(t, acme, ch.id, chat)).filter((m) => m.direction === 'outbound');
      expect({ chat, status: reply.status, attempts: reply.attempts }).toEqual({
        chat,
        status: 'delivered',
        attempts: 1,
      });
    }
    const cleared = await asTenant(t, acme).patch(path, { deliveryRateLimit: null });
    expect(cleared.body.deliveryRateLimit).toBeNull();
  });
});
