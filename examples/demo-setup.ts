// The compose demo's one-shot setup: through the admin API, a tenant, a trained agent, and an active channel whose
// webhookUrl is the example client server. Activating it calls the client's set_webhook, and the client (started with
// GREETING) then sends its first visitor message: the whole loop shows in `docker compose logs`.
//   SERVICE_URL=http://demo-service:3000 OPERATOR_TOKEN=… CLIENT_URL=http://demo-client:4000 node examples/demo-setup.ts
const service = process.env.SERVICE_URL ?? 'http://127.0.0.1:3000';
const operatorToken = process.env.OPERATOR_TOKEN ?? '';
const clientUrl = process.env.CLIENT_URL ?? 'http://127.0.0.1:4000';

async function call(method: string, path: string, bearer: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${service}${path}`, {
    method,
    headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

const tenant = await call('POST', '/api/v1/tenants', operatorToken, { name: `Demo ${new Date().toISOString()}` });
const apiKey = String(tenant.apiKey);
await call('PUT', '/api/v1/agents/echo', apiKey, { title: 'Echo bot', trained: true });
const channel = await call('POST', '/api/v1/agents/echo/channels', apiKey, {
  type: 'omnichannel',
  title: 'Demo chat',
  webhookUrl: clientUrl,
  active: true,
});
console.log(`Channel ${String(channel.id)} is active; platformWebhookUrl ${String(channel.platformWebhookUrl)}`);
console.log(`Warnings: ${JSON.stringify(channel.warnings ?? [])}`);
console.log(`Tenant API key for this demo: ${apiKey}`);
