import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { detectSchemaDrift, runMigrations } from '#database';
import { SCHEMA } from '../apps/channel-service/src/schema.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { runNode } from './support/processes.js';

@Entity({ name: 'drift_probe' })
class DriftProbe {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'created_by', type: 'text' })
  createdBy!: string;
}

describe('migrations', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('apply to an empty database from several starters at once, under the advisory lock', async () => {
    const reports = await Promise.all([
      runMigrations(db.url, SCHEMA),
      runMigrations(db.url, SCHEMA),
      runMigrations(db.url, SCHEMA),
    ]);
    const applied = reports.flatMap((report) => report.applied);
    expect(applied).toHaveLength(SCHEMA.migrations.length);
    expect(new Set(applied).size).toBe(applied.length);
    const client = await import('pg');
    const pool = new client.default.Pool({ connectionString: db.url });
    try {
      const boss = await pool.query(`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'pgboss'`);
      expect((boss.rows[0] as { n: number }).n).toBe(0);
      const recorded = await pool.query('SELECT count(*)::int AS n FROM typeorm_migrations');
      expect((recorded.rows[0] as { n: number }).n).toBe(SCHEMA.migrations.length);
    } finally {
      await pool.end();
    }
  });

  it('a second run applies nothing', async () => {
    const report = await runMigrations(db.url, SCHEMA);
    expect(report.applied).toEqual([]);
  });

  it('entities and migrations agree (what migration:check verifies)', async () => {
    const drift = await detectSchemaDrift(db.url, SCHEMA);
    expect(drift.up).toEqual([]);
  });

  it('drift is detected when an entity has no migration', async () => {
    const drift = await detectSchemaDrift(db.url, { entities: [DriftProbe], migrations: SCHEMA.migrations });
    expect(drift.up.join('\n')).toMatch(/CREATE TABLE "drift_probe"/);
    expect(drift.up.join('\n')).toContain('"created_by" text NOT NULL');
  });

  it('npm run migration:check passes against the migrated database and fails on a bad URL', async () => {
    const ok = await runNode('dist/apps/channel-service/src/migrate.js', ['check'], { DATABASE_URL: db.url });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('Entities and migrations agree.');
    expect(ok.stdout).not.toMatch(/:[^@/]*@/);

    const bad = await runNode('dist/apps/channel-service/src/migrate.js', ['check'], { DATABASE_URL: 'not-a-url' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('DATABASE_URL must be a postgres:// or postgresql:// connection string.');
  });
});

describe('the HotLaneClaims migration', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('keeps a lane held at the upgrade held until its old lease ends, due in its place; free and backoff lanes as they were', async () => {
    const hot = SCHEMA.migrations.findIndex((migration) => migration.name === 'HotLaneClaims1796500000001');
    await runMigrations(db.url, { ...SCHEMA, migrations: SCHEMA.migrations.slice(0, hot) });
    const client = await import('pg');
    const pool = new client.default.Pool({ connectionString: db.url });
    try {
      const q = async (sql: string, params: unknown[] = []) => (await pool.query(sql, params)).rows;
      const [tenant] = await q(`INSERT INTO tenants (name) VALUES ('t') RETURNING id`);
      await q(`INSERT INTO agents (tenant_id, agent_id, trained) VALUES ($1, 'bot', true)`, [tenant.id]);
      const [channel] = await q(
        `INSERT INTO channels (tenant_id, agent_id, type, token_hash, token_encrypted, webhook_url)
         VALUES ($1, 'bot', 'omnichannel', '\\x01', 'x', 'http://127.0.0.1:9/hook') RETURNING id`,
        [tenant.id],
      );
      // The old form: a held lane's due time is its lease (in the future) and its flag is set.
      const chat = async (name: string, agentDue: string | null, held: boolean) =>
        q(
          `INSERT INTO chats (tenant_id, channel_id, client_chat_id, client_chat_id_is_number, visitor_id, agent_due_at, agent_claimed)
           VALUES ($1, $2, $3, false, 'v', ${agentDue ?? 'NULL'}, $4)`,
          [tenant.id, channel.id, name, held],
        );
      await chat('held', `now() + interval '20 seconds'`, true);
      await chat('backoff', `now() + interval '1 hour'`, false);
      await chat('due', `now() - interval '1 second'`, false);
      await chat('idle', null, false);
      await runMigrations(db.url, SCHEMA);
      const rows = await q(
        `SELECT client_chat_id AS chat, agent_due_at <= now() AS due, agent_claimed_until > now() + interval '15 seconds' AS held,
                agent_claimed_until IS NULL AS free
         FROM chats ORDER BY client_chat_id`,
      );
      expect(rows).toEqual([
        { chat: 'backoff', due: false, held: null, free: true },
        { chat: 'due', due: true, held: null, free: true },
        { chat: 'held', due: true, held: true, free: false },
        { chat: 'idle', due: null, held: null, free: true },
      ]);
      const [{ fillfactor }] = await q(
        `SELECT (SELECT option_value FROM pg_options_to_table(reloptions) WHERE option_name = 'fillfactor') AS fillfactor
         FROM pg_class WHERE relname = 'chats'`,
      );
      expect(fillfactor).toBe('70');
    } finally {
      await pool.end();
    }
  });
});
