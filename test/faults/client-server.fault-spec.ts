import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { asTenant, makeAgent, makeChannel, makeTenant, type TestTenant } from '../support/admin-api.js';
import { startFakeClientServer, type FakeClientServer, type RecordedRequest } from '../support/fake-client-server.js';
import { postEvent, tokenOf, visitorEvent } from '../support/inbound.js';
import { eventually } from '../support/outbound.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { allDelivered, driveTraffic, verifyDeliveries } from './traffic.js';

// Enough retries to outlast a 30 s outage: 0.5 + 1 + 2 + 4 + 5 × 8 s (±20 %).
const RETRY_DELAYS = '500,1000,2000,4000,8000,8000,8000,8000,8000';

describe('faults at the client server', () => {
  let t: TestApp;
  let acme: TestTenant;

  beforeAll(async () => {
    t = await startTestApp({ env: { LOG_LEVEL: 'error', DELIVERY_RETRY_DELAYS_MS: RETRY_DELAYS } });
    acme = await makeTenant(t);
    await makeAgent(t, acme);
  });

  afterAll(async () => {
    await t?.close();
  });

  it('down for 30 s, then back: every acknowledged message is delivered, in order per chat', async () => {
    let client: FakeClientServer = await startFakeClientServer();
    const port = client.port;
    const seen: RecordedRequest[] = [];
    const token = tokenOf(await makeChannel(t, acme, 'a-1', { webhookUrl: `${client.url}/hooks`, active: true }));
    const traffic = driveTraffic({
      chats: 20,
      perChat: 8,
      pauseMs: 250,
      label: 'down',
      post: async (chat, text) =>
        (await postEvent(t, token, visitorEvent({ chatId: chat, messageId: text, text }))).status,
    });

    await eventually(() => (client.requests.length >= 20 ? true : undefined));
    seen.push(...client.requests);
    await client.close();
    const downSince = Date.now();
    const { acknowledged, statuses } = await traffic;
    expect(statuses.every((status) => status === 200)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 30_000 - (Date.now() - downSince))));

    client = await startFakeClientServer(port);
    await eventually(
      () => (allDelivered([...seen, ...client.requests], acknowledged) ? true : undefined),
      60_000,
      'every acknowledged message delivered after the outage',
    );
    const result = verifyDeliveries([...seen, ...client.requests], acknowledged);
    expect(result.delivered).toBe(160);
    await client.close();
  }, 120_000);

  it('accepting connections and never answering: other channels keep flowing, timeouts are on record, nothing is lost', async () => {
    const healthy = await startFakeClientServer();
    const hanging = await startFakeClientServer();
    let hang = true;
    hanging.respondWith(() => (hang ? 'hang' : { status: 200, body: {} }));
    const healthyToken = tokenOf(
      await makeChannel(t, acme, 'a-1', { webhookUrl: `${healthy.url}/hooks`, active: true }),
    );
    const hangingChannel = await makeChannel(t, acme, 'a-1', { webhookUrl: `${hanging.url}/hooks`, active: true });
    const hangingToken = tokenOf(hangingChannel);

    const [good, stuck] = await Promise.all([
      driveTraffic({
        chats: 10,
        perChat: 5,
        label: 'healthy',
        post: async (chat, text) =>
          (await postEvent(t, healthyToken, visitorEvent({ chatId: chat, messageId: text, text }))).status,
      }),
      driveTraffic({
        chats: 5,
        perChat: 3,
        label: 'hanging',
        post: async (chat, text) =>
          (await postEvent(t, hangingToken, visitorEvent({ chatId: chat, messageId: text, text }))).status,
      }),
    ]);
    // The healthy channel's 50 replies arrive while the other's first requests are still hanging.
    await eventually(
      () => (allDelivered(healthy.requests, good.acknowledged) ? true : undefined),
      8_000,
      'the healthy channel, while the other hangs',
    );
    verifyDeliveries(healthy.requests, good.acknowledged);

    const timedOut = await eventually(
      async () => {
        const res = await asTenant(t, acme).get(`/api/v1/channels/${String(hangingChannel.id)}/chats/0/messages`);
        const reply = (res.body.items as { direction: string; attempts: number; lastError?: string }[]).find(
          (message) => message.direction === 'outbound',
        );
        return reply && reply.attempts >= 1 ? reply : undefined;
      },
      20_000,
      'a timed-out attempt on record',
    );
    expect(timedOut.lastError).toBe('Timed out after 10 s without a complete response');

    hang = false;
    await eventually(
      () => (allDelivered(hanging.requests, stuck.acknowledged) ? true : undefined),
      60_000,
      'the hanging channel, once it answers',
    );
    verifyDeliveries(hanging.requests, stuck.acknowledged);
    await healthy.close();
    await hanging.close();
  }, 120_000);
});
