import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { renderMigration, writeMigrationIndex } from './migrator.js';

describe('renderMigration', () => {
  it('writes up in order and down in reverse', () => {
    const source = renderMigration('Init1700000000000', {
      up: ['CREATE TABLE "a" ()', 'CREATE INDEX "i" ON "a" ()'],
      down: ['DROP TABLE "a"', 'DROP INDEX "i"'],
    });
    expect(source).toContain('export class Init1700000000000 implements MigrationInterface');
    expect(source.indexOf('CREATE TABLE')).toBeLessThan(source.indexOf('CREATE INDEX'));
    expect(source.indexOf('DROP INDEX')).toBeLessThan(source.indexOf('DROP TABLE'));
  });
});

describe('writeMigrationIndex', () => {
  const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists every migration file in timestamp order', async () => {
    writeFileSync(join(dir, '1700000000002-AddChats.ts'), '');
    writeFileSync(join(dir, '1700000000001-Init.ts'), '');
    writeFileSync(join(dir, 'README.md'), '');
    const index = readFileSync(await writeMigrationIndex(dir), 'utf8');
    expect(index).toContain("import { Init1700000000001 } from './1700000000001-Init.js';");
    expect(index).toContain('export const MIGRATIONS: Function[] = [Init1700000000001, AddChats1700000000002];');
  });
});
