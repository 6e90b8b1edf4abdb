import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runMigrations, startEmbeddedPostgres, type EmbeddedPostgres } from '#database';
import { SCHEMA } from '../../apps/channel-service/src/schema.js';
import { makeAgent, makeChannel, makeTenant } from '../support/admin-api.js';
import { startFakeClientServer, type FakeClientServer } from '../support/fake-client-server.js';
import { postEvent, tokenOf, visitorEvent } from '../support/inbound.js';
import { eventually } from '../support/outbound.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { allDelivered, driveTraffic, verifyDeliveries } from './traffic.js';

const quiet = { info: () => undefined, warn: () => undefined };

/** A PostgreSQL of the scenario's own: it is restarted here, and no other server ever is. */
describe('PostgreSQL restarted under inbound load', () => {
  const dir = mkdtempSync(join(tmpdir(), 'channel-service-fault-pg-'));
  chmodSync(dir, 0o755);
  let postgres: EmbeddedPostgres;
  let t: TestApp;
  let client: FakeClientServer;

  beforeAll(async () => {
    postgres = await startEmbeddedPostgres(dir, quiet);
    await runMigrations(postgres.url, SCHEMA);
    client = await startFakeClientServer();
    t = await startTestApp({
      database: { name: 'channel_service', url: postgres.url, drop: async () => undefined },
      env: { LOG_LEVEL: 'fatal' },
    });
  });

  afterAll(async () => {
    await t?.close();
    await client?.close();
    await postgres?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 500 while it is down (never a false 200), recovers on its own, and loses nothing it acknowledged', async () => {
    const acme = await makeTenant(t);
    await makeAgent(t, acme);
    const token = tokenOf(await makeChannel(t, acme, 'a-1', { webhookUrl: `${client.url}/hooks`, active: true }));
    const answeredAt: { status: number; at: number }[] = [];
    // The traffic outlasts the restart whatever its length: 2 s of posts after the server is back, at least.
    const restart: { upAt?: number } = {};
    const traffic = driveTraffic({
      chats: 20,
      perChat: 40,
      pauseMs: 100,
      label: 'pg',
      continueWhile: () => restart.upAt === undefined || Date.now() < restart.upAt + 2_000,
      post: async (chat, text) => {
        const { status } = await postEvent(t, token, visitorEvent({ chatId: chat, messageId: text, text }));
        answeredAt.push({ status, at: Date.now() });
        return status;
      },
    });

    await eventually(() => (answeredAt.length >= 100 ? true : undefined));
    const port = postgres.port;
    await postgres.stop();
    const downAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    postgres = await startEmbeddedPostgres(dir, quiet, { port });
    const recoveredAt = Date.now();
    restart.upAt = recoveredAt;
    const { acknowledged, statuses } = await traffic;

    expect(statuses.filter((status) => status !== 200 && status !== 500)).toEqual([]);
    expect(
      answeredAt.filter(({ status, at }) => status === 500 && at > downAt && at < recoveredAt + 5_000).length,
    ).toBeGreaterThan(0);
    expect(answeredAt.filter(({ status, at }) => status === 200 && at > recoveredAt).length).toBeGreaterThan(0);
    await eventually(
      () => (allDelivered(client.requests, acknowledged) ? true : undefined),
      90_000,
      'every acknowledged message delivered after the restart',
    );
    verifyDeliveries(client.requests, acknowledged);
  }, 150_000);
});
