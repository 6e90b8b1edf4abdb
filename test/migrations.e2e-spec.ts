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
