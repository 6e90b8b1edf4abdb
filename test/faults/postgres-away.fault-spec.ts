import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runMigrations, startEmbeddedPostgres, type EmbeddedPostgres } from '#database';
import { SCHEMA } from '../../apps/channel-service/src/schema.js';
import { makeAgent, makeChannel, makeTenant } from '../support/admin-api.js';
import { startFakeClientServer } from '../support/fake-client-server.js';
import { postEvent, tokenOf, visitorEvent } from '../support/inbound.js';
import { eventually } from '../support/outbound.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const quiet = { info: () => undefined, warn: () => undefined };

// A file of its own: nestjs-pino keeps one root logger per module registry, so a second app in the same file would
// write its lines outside requests (the outage's among them) to the first app's logger, not to its own t.logs.
/** Issue 21, item 6: a database outage is told once, not by every lane poll; /health/ready stays the signal. */
describe('PostgreSQL away while the replica is idle', () => {
  const dir = mkdtempSync(join(tmpdir(), 'channel-service-fault-pg-quiet-'));
  chmodSync(dir, 0o755);
  let postgres: EmbeddedPostgres;
  let t: TestApp;

  beforeAll(async () => {
    postgres = await startEmbeddedPostgres(dir, quiet);
    await runMigrations(postgres.url, SCHEMA);
    t = await startTestApp({
      database: { name: 'channel_service', url: postgres.url, drop: async () => undefined },
      env: { LOG_LEVEL: 'info', AGENT_DELIVERY_EVENTS: 'true' },
    });
  });

  afterAll(async () => {
    await t?.close();
    await postgres?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('says so once at warn with the reason and once at info when it is back, backs off meanwhile, and /health/ready tells', async () => {
    const ready = async () => (await fetch(`${t.baseUrl}/health/ready`)).status;
    expect(await ready()).toBe(200);
    const from = t.logs.length;
    const port = postgres.port;
    await postgres.stop();
    await eventually(async () => ((await ready()) === 503 ? true : undefined), 10_000);
    // Three lanes polling every 250 ms, the wake-up listener, the probes: before, ~8 error lines a second.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    expect(await ready()).toBe(503);
    // The scrape still answers: database_ready says it, and the series counted in the database are left out.
    const scrape = await fetch(`${t.baseUrl}/metrics`);
    const metrics = await scrape.text();
    expect(scrape.status).toBe(200);
    expect(metrics).toMatch(/^database_ready 0$/m);
    expect(metrics).not.toMatch(/^lane_depth\{/m);
    postgres = await startEmbeddedPostgres(dir, quiet, { port });
    await eventually(async () => ((await ready()) === 200 ? true : undefined), 20_000);
    expect(await (await fetch(`${t.baseUrl}/metrics`)).text()).toMatch(/^database_ready 1$/m);
    await eventually(
      () => (t.logs.slice(from).some((line) => line.includes('The database answers again')) ? true : undefined),
      20_000,
      'the info line of the database answering again',
    );

    const lines = t.logs.slice(from).map((line) => JSON.parse(line) as { level: number; msg: string; reason?: string });
    const loud = lines.filter((line) => line.level >= 40);
    expect(loud).toHaveLength(1);
    expect(loud[0]).toMatchObject({ level: 40, msg: expect.stringContaining('The database is unreachable') });
    expect(loud[0].reason).toEqual(expect.any(String));
    expect(lines.filter((line) => line.msg.startsWith('The database answers again'))).toMatchObject([{ level: 30 }]);

    // And the lanes work again: a visitor message is answered and delivered.
    const client = await startFakeClientServer();
    try {
      const acme = await makeTenant(t);
      await makeAgent(t, acme);
      const token = tokenOf(await makeChannel(t, acme, 'a-1', { webhookUrl: `${client.url}/hooks`, active: true }));
      await postEvent(t, token, visitorEvent({ chatId: 7, messageId: 'after', text: 'back' })).expect(200);
      await eventually(() => (client.requests.some((sent) => sent.url.endsWith('/send_message')) ? true : undefined));
    } finally {
      await client.close();
    }
  }, 90_000);
});
