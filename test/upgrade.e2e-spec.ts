import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { runMigrations } from '#database';
import { SCHEMA } from '../apps/channel-service/src/schema.js';
import { startFakeClientServer, type FakeClientServer } from './support/fake-client-server.js';
import { eventually, sendMessages } from './support/outbound.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

/**
 * Upgrading from the pg-boss version with messages in flight: the lanes are derived from the messages' statuses, so a
 * visitor message waiting for the Agent and a reply waiting for the client server are both delivered after the upgrade.
 */
describe('upgrade from the pg-boss schema with work in flight', () => {
  let db: TestDatabase;
  let client: FakeClientServer;
  let t: TestApp | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
    client = await startFakeClientServer();
  });

  afterAll(async () => {
    await t?.close();
    await client?.close();
    await db?.drop();
  });

  it('delivers what pg-boss held, drops its schema, and re-sends nothing already delivered', async () => {
    // The schema of the pg-boss version: every migration before the lanes'.
    const lanes = SCHEMA.migrations.findIndex((migration) => migration.name === 'ChatLanes1795700000000');
    await runMigrations(db.url, { ...SCHEMA, migrations: SCHEMA.migrations.slice(0, lanes) });
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    try {
      const q = async (sql: string, params: unknown[] = []): Promise<Record<string, string>[]> =>
        (await pool.query(sql, params)).rows as Record<string, string>[];
      const [tenant] = await q(`INSERT INTO tenants (name) VALUES ('Acme') RETURNING id`);
      await q(`INSERT INTO agents (tenant_id, agent_id, trained) VALUES ($1, 'bot', true)`, [tenant.id]);
      const [channel] = await q(
        `INSERT INTO channels (tenant_id, agent_id, type, active, token_hash, token_encrypted, webhook_url) VALUES ($1, 'bot', 'omnichannel', true, $2, 'x', $3) RETURNING id`,
        [tenant.id, randomBytes(32), `${client.url}/hooks`],
      );
      const chat = async (clientChatId: string): Promise<string> =>
        (
          await q(
            `INSERT INTO chats (tenant_id, channel_id, client_chat_id, client_chat_id_is_number, visitor_id) VALUES ($1, $2, $3, false, 'v') RETURNING id`,
            [tenant.id, channel.id, clientChatId],
          )
        )[0].id;
      const message = async (chatId: string, direction: string, text: string, status: string): Promise<string> =>
        (
          await q(
            `INSERT INTO messages (tenant_id, channel_id, chat_id, direction, kind, client_message_id, text, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
            [
              tenant.id,
              channel.id,
              chatId,
              direction,
              direction === 'inbound' ? 'visitor' : 'operator',
              direction === 'inbound' ? text : null,
              text,
              status,
            ],
          )
        )[0].id;
      const waitingForAgent = await chat('waiting-for-agent');
      const waitingForClient = await chat('waiting-for-client');
      const done = await chat('done');
      const inbound = await message(waitingForAgent, 'inbound', 'hello after the upgrade', 'received');
      const queued = await message(waitingForClient, 'outbound', 'queued before the upgrade', 'queued');
      await message(done, 'inbound', 'old question', 'answered');
      await message(done, 'outbound', 'old answer', 'delivered');
      // What pg-boss held for them (a stand-in of its job table: the upgrade reads the messages, never the jobs).
      await q(`CREATE SCHEMA pgboss`);
      await q(
        `CREATE TABLE pgboss.job (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text, data jsonb, singleton_key text, state text)`,
      );
      await q(
        `INSERT INTO pgboss.job (name, data, singleton_key, state) VALUES ('agent-deliver', $1, $2, 'created'), ('send-message', $3, $4, 'retry')`,
        [
          JSON.stringify({ messageId: inbound }),
          waitingForAgent,
          JSON.stringify({ messageId: queued }),
          waitingForClient,
        ],
      );
    } finally {
      await pool.end();
    }

    const report = await runMigrations(db.url, SCHEMA);
    expect(report.applied).toEqual(SCHEMA.migrations.slice(lanes).map((migration) => migration.name));
    t = await startTestApp({ database: db });

    const textsFor = (chatId: string): string[] =>
      sendMessages(client)
        .filter((sent) => (sent.json as { chat_id: unknown }).chat_id === chatId)
        .map((sent) => (sent.json as { message: { text: string } }).message.text);
    await eventually(
      () =>
        textsFor('waiting-for-agent').length === 1 && textsFor('waiting-for-client').length === 1 ? true : undefined,
      15_000,
    );
    expect(textsFor('waiting-for-agent')).toEqual(['Echo: hello after the upgrade']);
    expect(textsFor('waiting-for-client')).toEqual(['queued before the upgrade']);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(textsFor('done')).toEqual([]);
    const check = new pg.Client({ connectionString: db.url });
    await check.connect();
    try {
      expect((await check.query(`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'pgboss'`)).rows).toEqual([
        { n: 0 },
      ]);
      expect(
        (
          await check.query(
            `SELECT count(*)::int AS n FROM chats WHERE agent_due_at IS NOT NULL OR send_due_at IS NOT NULL`,
          )
        ).rows,
      ).toEqual([{ n: 0 }]);
    } finally {
      await check.end();
    }
  });
});
