import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SCHEMA } from '../apps/channel-service/src/schema.js';
import { runMigrations } from '#database';
import { startFakeClientServer, type FakeClientServer, type RecordedRequest } from './support/fake-client-server.js';
import { dbQuery, visitorEvent } from './support/inbound.js';
import { eventually } from './support/outbound.js';
import { bootService, provisionChannel } from './support/service-process.js';
import type { TestApp } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

const CHATS = 20;
const PER_CHAT = 6;

describe('SIGTERM during a burst', () => {
  let database: TestDatabase;
  let client: FakeClientServer;

  const boot = (): ReturnType<typeof bootService> =>
    bootService(database.url, { DELIVERY_RETRY_DELAYS_MS: '200,400,800' });

  beforeAll(async () => {
    database = await createTestDatabase();
    await runMigrations(database.url, SCHEMA);
    client = await startFakeClientServer();
  });

  afterAll(async () => {
    await client?.close();
    await database?.drop();
  });

  it('stops claiming chats, lets in-flight deliveries finish, exits 0; after a restart every accepted message is answered', async () => {
    // A slow client server: deliveries are in flight when the signal comes.
    client.respondWith((request: RecordedRequest) => ({
      status: 200,
      body: {},
      delayMs: request.url.endsWith('/send_message') ? 150 : 0,
    }));
    const first = await boot();
    const token = await provisionChannel(first.url, `${client.url}/hooks`);

    const accepted = new Set<string>();
    let signalled = false;
    const burst = Promise.all(
      Array.from({ length: CHATS }, async (_, chat) => {
        for (let m = 1; m <= PER_CHAT; m += 1) {
          const text = `c${chat} m${m}`;
          try {
            const res = await fetch(`${first.url}/${token}/bot_api_webhook`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(visitorEvent({ chatId: chat, messageId: text, text })),
            });
            if (res.status === 200) accepted.add(text);
            else expect(signalled).toBe(true);
          } catch {
            return; // the server has closed: this chat stops here
          }
        }
      }),
    );
    await eventually(
      () =>
        client.requests.filter((request) => request.url.endsWith('/send_message')).length >= 10 ? true : undefined,
      20_000,
    );
    signalled = true;
    const stoppedAt = Date.now();
    first.service.child.kill('SIGTERM');
    const exit = await first.service.exited;
    await burst;
    expect(exit.code).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(15_000);
    expect(accepted.size).toBeGreaterThan(10);

    const second = await boot();
    try {
      const delivered = (): Set<string> =>
        new Set(
          client.requests
            .filter((request) => request.url.endsWith('/send_message'))
            .map((request) =>
              String((request.json as { message: { text: string } }).message.text).replace(/^Echo: /, ''),
            ),
        );
      await eventually(
        () => ([...accepted].every((text) => delivered().has(text)) ? true : undefined),
        60_000,
        'every accepted message answered',
      );
      // Nothing is left behind either: every visitor message the service stored (some perhaps after their
      // client gave up on the answer) is answered, and every reply delivered.
      await eventually(
        async () => {
          const [row] = await dbQuery<{ pending: number }>(
            { database } as TestApp,
            `SELECT count(*)::int AS pending FROM messages WHERE (direction = 'outbound' AND status <> 'delivered') OR (direction = 'inbound' AND status <> 'answered')`,
          );
          return row.pending === 0 ? true : undefined;
        },
        30_000,
        'every stored message settled',
      );
    } finally {
      second.service.child.kill('SIGTERM');
      await second.service.exited;
    }
  });
});
