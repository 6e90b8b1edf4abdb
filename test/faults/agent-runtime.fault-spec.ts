import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { makeAgent, makeChannel, makeTenant } from '../support/admin-api.js';
import { startFakeClientServer, type FakeClientServer } from '../support/fake-client-server.js';
import { postEvent, tokenOf, visitorEvent } from '../support/inbound.js';
import { eventually, startFakeAgentRuntime, type FakeAgentRuntime } from '../support/outbound.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { allDelivered, driveTraffic, verifyDeliveries } from './traffic.js';

describe('faults at the Agent runtime', () => {
  let t: TestApp;
  let runtime: FakeAgentRuntime;
  let client: FakeClientServer;

  beforeAll(async () => {
    runtime = await startFakeAgentRuntime();
    client = await startFakeClientServer();
    t = await startTestApp({
      env: {
        LOG_LEVEL: 'error',
        AGENT_RUNTIME_URL: runtime.url,
        DELIVERY_RETRY_DELAYS_MS: '500,1000,2000,4000,4000,4000,4000,4000',
      },
    });
  });

  afterAll(async () => {
    await t?.close();
    await runtime?.close();
    await client?.close();
  });

  it('down, then back: every acknowledged message is answered and its reply delivered, in order per chat', async () => {
    const acme = await makeTenant(t);
    await makeAgent(t, acme);
    const token = tokenOf(await makeChannel(t, acme, 'a-1', { webhookUrl: `${client.url}/hooks`, active: true }));
    const port = Number(new URL(runtime.url).port);
    const traffic = driveTraffic({
      chats: 20,
      perChat: 6,
      pauseMs: 200,
      label: 'agent',
      post: async (chat, text) =>
        (await postEvent(t, token, visitorEvent({ chatId: chat, messageId: text, text }))).status,
    });

    await eventually(() => (runtime.calls.length >= 10 ? true : undefined));
    await runtime.close();
    const { acknowledged, statuses } = await traffic;
    expect(statuses.every((status) => status === 200)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    const callsBefore = runtime.calls.length;
    runtime = await startFakeAgentRuntime(port);

    await eventually(
      () => (allDelivered(client.requests, acknowledged) ? true : undefined),
      60_000,
      'every acknowledged message answered',
    );
    expect(verifyDeliveries(client.requests, acknowledged).delivered).toBe(120);
    expect(callsBefore).toBeLessThan(120);
  }, 120_000);
});
