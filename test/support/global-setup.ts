import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { EmbeddedPostgres } from '../../libs/database/src/embedded-postgres.js';

type EmbeddedModule = typeof import('../../libs/database/src/embedded-postgres.js');

/** Jest loads this file outside its module mapper, so it takes the compiled module (`npm test` builds first). */
async function loadEmbeddedModule(): Promise<EmbeddedModule> {
  const compiled = join(process.cwd(), 'dist/libs/database/src/embedded-postgres.js');
  if (!existsSync(compiled)) throw new Error('dist/ is missing: run `npm run build` first (npm test does it for you).');
  return (await import(pathToFileURL(compiled).href)) as EmbeddedModule;
}

declare global {
  var __EMBEDDED_POSTGRES__: EmbeddedPostgres | undefined;
  var __EMBEDDED_POSTGRES_DIR__: string | undefined;
}

/**
 * One PostgreSQL for the whole run: TEST_DATABASE_URL when set, otherwise an embedded one in a
 * temporary directory (under /tmp, which the postgres user can reach even when the checkout cannot).
 * Each e2e file then creates its own database on it.
 */
export default async function globalSetup(globalConfig: { selectProjects?: string[] }): Promise<void> {
  if (globalConfig.selectProjects?.length === 1 && globalConfig.selectProjects[0] === 'unit') return;
  if (process.env.TEST_DATABASE_URL) {
    process.env.TEST_ADMIN_DATABASE_URL = process.env.TEST_DATABASE_URL;
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'channel-service-test-'));
  chmodSync(dir, 0o755);
  const { startEmbeddedPostgres } = await loadEmbeddedModule();
  const started = await startEmbeddedPostgres(dir, {
    info: () => undefined,
    warn: (message) => process.stderr.write(`${message}\n`),
  });
  globalThis.__EMBEDDED_POSTGRES__ = started;
  globalThis.__EMBEDDED_POSTGRES_DIR__ = dir;
  process.env.TEST_ADMIN_DATABASE_URL = started.adminUrl;
}
