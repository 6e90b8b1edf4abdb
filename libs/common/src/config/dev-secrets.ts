import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DevSecrets } from './load-config.js';

/**
 * Outside production the operator token and the secrets key are generated on first start and kept
 * in the data directory, so a restart keeps the stored tokens readable and the token the same.
 */
export function loadOrCreateDevSecrets(dataDir: string): DevSecrets {
  const file = join(dataDir, 'secrets.json');
  if (existsSync(file)) {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<DevSecrets>;
    if (typeof stored.platformAdminToken === 'string' && typeof stored.secretsKey === 'string') {
      return { platformAdminToken: stored.platformAdminToken, secretsKey: stored.secretsKey };
    }
  }
  const secrets: DevSecrets = {
    platformAdminToken: randomBytes(24).toString('base64url'),
    secretsKey: randomBytes(32).toString('base64'),
  };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return secrets;
}
