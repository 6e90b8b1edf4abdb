import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runMigrations } from '#database';
import { SCHEMA } from '../../apps/channel-service/src/schema.js';
import { startFakeClientServer, type FakeClientServer } from '../support/fake-client-server.js';
import { visitorEvent } from '../support/inbound.js';
import { eventually } from '../support/outbound.js';
import { bootService, provisionChannel } from '../support/service-process.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { allDelivered, driveTraffic, verifyDeliveries } from './traffic.js';

describe('the service killed with SIGKILL mid-dispatch, then started again', () => {
  let database: TestDatabase;
  let client: FakeClientServer;

  const boot = (): ReturnType<typeof bootService> =>
    bootService(database.url, { LOG_LEVEL: 'error', DELIVERY_RETRY_DELAYS_MS: '500,1000,2000' });

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
    client.respondWith((request) => ({
      status: 200,
      body: {},
      delayMs: request.url.endsWith('/send_message') ? 200 : 0,
    }));
    const first = await boot();
    const token = await provisionChannel(first.url, `${client.url}/hooks`);

    const traffic = driveTraffic({
      chats: 20,
      perChat: 10,
      label: 'kill',
      post: async (chat, text) =>
        (
          await fetch(`${first.url}/${token}/bot_api_webhook`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(visitorEvent({ chatId: chat, messageId: text, text })),
          })
        ).status,
    });
    await eventually(
      () =>
        client.requests.filter((request) => request.url.endsWith('/send_message')).length >= 30 ? true : undefined,
      30_000,
    );
    first.service.child.kill('SIGKILL');
    const killed = await first.service.exited;
    expect(killed.signal).toBe('SIGKILL');
    const { acknowledged } = await traffic;
    expect([...acknowledged.values()].flat().length).toBeGreaterThan(30);

    const second = await boot();
    try {
      // Claims the killed process held expire after 30 s (checked every 10 s), then run again.
      await eventually(
        () => (allDelivered(client.requests, acknowledged) ? true : undefined),
        90_000,
        'every acknowledged message delivered after the restart',
      );
      verifyDeliveries(client.requests, acknowledged);
    } finally {
      second.service.child.kill('SIGTERM');
      await second.service.exited;
    }
  }, 150_000);
});
