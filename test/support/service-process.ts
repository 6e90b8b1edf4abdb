import { startNode, type RunningService } from './processes.js';
import { TEST_ADMIN_TOKEN, TEST_SECRETS_KEY } from './test-app.js';

export const MAIN = 'dist/apps/channel-service/src/main.js';

/** The compiled service as a child process on `databaseUrl`, with the test secrets; resolves once it listens. */
export async function bootService(databaseUrl: string, env: Record<string, string> = {}): Promise<{ service: RunningService; url: string }> {
  const service = startNode(MAIN, {
    NODE_ENV: 'test',
    PORT: '0',
    LOG_LEVEL: 'warn',
    DATABASE_URL: databaseUrl,
    PLATFORM_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    SECRETS_KEY: TEST_SECRETS_KEY,
    ...env,
  });
  const [, url] = await service.waitFor(/URL:\s+(http:\/\/localhost:\d+)/);
  return { service, url: url.replace('localhost', '127.0.0.1') };
}
