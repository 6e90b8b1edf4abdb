// The registry this project installs from lacks some platform builds of unrs-resolver (a jest 30 dependency),
// so npm leaves them out of package-lock.json, and `npm ci` then refuses the lockfile as out of sync.
// This records each missing optional platform package with the os/cpu it declares, so npm ci skips it on
// every other platform exactly as it would with a full lockfile. Run after changing dependencies:
//   node scripts/complete-lockfile.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const LOCK = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(LOCK, 'utf8'));

/** os and cpu as the binding packages' names state them, e.g. resolver-binding-linux-arm64-musl. */
function platformOf(name) {
  const match = /-(android|darwin|freebsd|linux|openharmony|win32|wasm32)-?([a-z0-9]*)/.exec(name);
  if (!match) return null;
  const [, os, cpu] = match;
  if (os === 'wasm32') return { cpu: ['wasm32'] };
  return { os: [os], cpu: [cpu === 'arm' ? 'arm' : cpu] };
}

let added = 0;
for (const [path, entry] of Object.entries(lock.packages)) {
  for (const [dependency, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${dependency}`;
    const nested = `${path}/node_modules/${dependency}`;
    if (lock.packages[key] || lock.packages[nested]) continue;
    const platform = platformOf(dependency);
    if (!platform) continue;
    lock.packages[key] = { version, dev: entry.dev, optional: true, ...platform };
    added += 1;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
);
writeFileSync(LOCK, `${JSON.stringify(lock, null, 2)}\n`);
process.stdout.write(`complete-lockfile: recorded ${added} missing optional platform package(s)\n`);
