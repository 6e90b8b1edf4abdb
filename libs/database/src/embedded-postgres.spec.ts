import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { describeDatabaseUrl, unreachableAncestor } from './embedded-postgres.js';

describe('unreachableAncestor', () => {
  const root = mkdtempSync(join(tmpdir(), 'reach-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('finds the first directory others cannot traverse', () => {
    chmodSync(root, 0o755);
    const closed = join(root, 'home');
    mkdirSync(join(closed, 'project', '.data'), { recursive: true });
    chmodSync(closed, 0o700);
    expect(unreachableAncestor(join(closed, 'project', '.data'))).toBe(closed);
    chmodSync(closed, 0o755);
    expect(unreachableAncestor(join(closed, 'project', '.data'))).toBeNull();
  });
});

describe('describeDatabaseUrl', () => {
  it('drops the password', () => {
    expect(describeDatabaseUrl('postgres://app:s3cret@db:5432/channels')).toBe('postgres://app@db:5432/channels');
    expect(describeDatabaseUrl('nonsense')).toBe('(unparseable DATABASE_URL)');
  });
});
