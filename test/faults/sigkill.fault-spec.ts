import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runMigrations } from '#database';
import { SCHEMA } from '../../apps/channel-service/src/schema.js';
import { startFakeClientServer, type FakeClientServer } from '../support/fake-client-server.js';
import { tokenOf, visitorEvent } from '../support/inbound.js';
import { eventually } from '../support/outbound.js';
import { startNode, type RunningService } from '../support/processes.js';
import { TEST_ADMIN_TOKEN, TEST_SECRETS_KEY } from '../support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { allDelivered, driveTraffic, verifyDeliveries } from './traffic.js';

const MAIN = 'dist/apps/channel-service/src/main.js';

describe('the service killed with SIGKILL mid-dispatch, then started again', () => {
  let database: TestDatabase;
  let client: FakeClientServer;

  async function boot(): Promise<{ service: RunningService; url: string }> {
    const service = startNode(MAIN, {
      NODE_ENV: 'test',
      PORT: '0',
      LOG_LEVEL: 'error',
      DATABASE_URL: database.url,
      PLATFORM_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      SECRETS_KEY: TEST_SECRETS_KEY,
      DELIVERY_RETRY_DELAYS_MS: '500,1000,2000',
    });
    const [, url] = await service.waitFor(/URL:\s+(http:\/\/localhost:\d+)/);
    return { service, url: url.replace('localhost', '127.0.0.1') };
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    await runMigrations(database.url, SCHEMA);
    client = await startFakeClientServer();
  });

  afterAll(async () => {
    await client?.close();
    await database?.drop();
  });

  it('loses nothing it acknowledged: claims cut off are run again, duplicates only under the same Idempotency-Key', async () => {
    // A slow client server, so deliveries are in flight when the process dies.
    client.respondWith((request) => ({ status: 200, body: {}, delayMs: request.url.endsWith('/send_message') ? 200 : 0 }));
    const first = await boot();
    const call = async (path: string, method: string, auth: string, body?: unknown): Promise<Record<string, unknown>> =>
      (await (await fetch(`${first.url}${path}`, { method, headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })).json()) as Record<string, unknown>;
    const tenant = await call('/api/v1/tenants', 'POST', TEST_ADMIN_TOKEN, { name: 'Acme' });
    await call('/api/v1/agents/a-1', 'PUT', String(tenant.apiKey), { trained: true });
    const token = tokenOf(await call('/api/v1/agents/a-1/channels', 'POST', String(tenant.apiKey), { type: 'omnichannel', webhookUrl: `${client.url}/hooks`, active: true }));

    const traffic = driveTraffic({
      chats: 20,
      perChat: 10,
      label: 'kill',
      post: async (chat, text) =>
        (await fetch(`${first.url}/${token}/bot_api_webhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(visitorEvent({ chatId: chat, messageId: text, text })) })).status,
    });
    await eventually(() => (client.requests.filter((request) => request.url.endsWith('/send_message')).length >= 30 ? true : undefined), 30_000);
    first.service.child.kill('SIGKILL');
    const killed = await first.service.exited;
    expect(killed.signal).toBe('SIGKILL');
    const { acknowledged } = await traffic;
    expect([...acknowledged.values()].flat().length).toBeGreaterThan(30);

    const second = await boot();
    try {
      // Claims the killed process held expire after 30 s (checked every 10 s), then run again.
      await eventually(() => (allDelivered(client.requests, acknowledged) ? true : undefined), 90_000, 'every acknowledged message delivered after the restart');
      verifyDeliveries(client.requests, acknowledged);
    } finally {
      second.service.child.kill('SIGTERM');
      await second.service.exited;
    }
  }, 150_000);
});
