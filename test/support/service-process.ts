import { tokenOf } from './inbound.js';
import { startNode, type RunningService } from './processes.js';
import { TEST_ADMIN_TOKEN, TEST_SECRETS_KEY } from './test-app.js';

export const MAIN = 'dist/apps/channel-service/src/main.js';

/** The compiled service as a child process on `databaseUrl`, with the test secrets; resolves once it listens. */
export async function bootService(
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<{ service: RunningService; url: string }> {
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

/** Over the service's own API: a tenant, a trained agent `a-1` and an active channel to `webhookUrl`; returns its token. */
export async function provisionChannel(serviceUrl: string, webhookUrl: string): Promise<string> {
  const call = async (
    method: string,
    path: string,
    bearer: string,
    body: unknown,
  ): Promise<Record<string, unknown>> => {
    const res = await fetch(`${serviceUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, unknown>;
  };
  const tenant = await call('POST', '/api/v1/tenants', TEST_ADMIN_TOKEN, { name: 'Acme' });
  await call('PUT', '/api/v1/agents/a-1', String(tenant.apiKey), { trained: true });
  const channel = await call('POST', '/api/v1/agents/a-1/channels', String(tenant.apiKey), {
    type: 'omnichannel',
    webhookUrl,
    active: true,
  });
  return tokenOf(channel);
}
