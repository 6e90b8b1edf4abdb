import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { asTenant, makeAgent, makeTenant, operator } from './support/admin-api.js';
import { refusedPort, startFakeClientServer, type FakeClientServer } from './support/fake-client-server.js';
import { eventually } from './support/outbound.js';
import { TEST_ADMIN_TOKEN, startTestApp, type TestApp } from './support/test-app.js';

const WEBHOOK_TOKENS = ['wh-token-alpha-8f2d1c', 'wh-token-beta-77aa10', 'wh-token-gamma-0b3e55'];

describe('secrets never reach the logs or other responses', () => {
  let t: TestApp;
  let client: FakeClientServer;
  const secrets: string[] = [TEST_ADMIN_TOKEN, ...WEBHOOK_TOKENS];
  const responses: string[] = [];

  beforeAll(async () => {
    t = await startTestApp({ env: { LOG_LEVEL: 'trace' } });
    client = await startFakeClientServer();
    // A careless client server: its 401 echoes the Authorization header it got, token included.
    client.respondWith((req) =>
      req.method === 'POST'
        ? { status: 401, body: { error: 'bad token', got: String(req.headers.authorization) } }
        : { status: 200 },
    );

    const tenant = await makeTenant(t, 'Acme');
    secrets.push(tenant.apiKey);
    const extraKey = await operator(t).post(`/api/v1/tenants/${tenant.id}/api-keys`);
    secrets.push(extraKey.body.apiKey as string);
    await makeAgent(t, tenant, 'a-1');
    await makeAgent(t, tenant, 'lazy', { trained: false });
    const dead = await refusedPort();

    const keep = (res: { text: string }): void => void responses.push(res.text);
    const created = await asTenant(t, tenant).post('/api/v1/agents/a-1/channels', {
      type: 'omnichannel',
      webhookUrl: `${client.url}/hooks`,
      webhookToken: WEBHOOK_TOKENS[0],
      active: true,
    });
    const second = await asTenant(t, tenant).post('/api/v1/agents/a-1/channels', {
      type: 'omnichannel',
      webhookUrl: `http://127.0.0.1:${dead}/x`,
      webhookToken: WEBHOOK_TOKENS[1],
      active: true,
    });
    const platformTokens = [created.body.platformWebhookUrl, second.body.platformWebhookUrl].map(
      (url: string) => url.split('/').at(-2) as string,
    );
    secrets.push(...platformTokens);
    const rotated = await asTenant(t, tenant).post(`/api/v1/channels/${created.body.id}/rotate-token`);
    secrets.push(rotated.body.platformWebhookUrl.split('/').at(-2) as string);

    keep(
      await asTenant(t, tenant).patch(`/api/v1/channels/${second.body.id}`, {
        webhookToken: WEBHOOK_TOKENS[2],
        webhookUrl: `${client.url}/new`,
      }),
    );
    keep(
      await asTenant(t, tenant).patch(`/api/v1/channels/${second.body.id}`, {
        webhookToken: WEBHOOK_TOKENS[2],
        webhookUrl: 'https://u:p@bad.example.com',
      }),
    );
    keep(
      await asTenant(t, tenant).post('/api/v1/agents/lazy/channels', {
        type: 'omnichannel',
        webhookUrl: client.url,
        webhookToken: WEBHOOK_TOKENS[0],
        active: true,
      }),
    );
    keep(
      await asTenant(t, tenant).post('/api/v1/agents/a-1/channels', {
        type: 'omnichannel',
        webhookUrl: client.url,
        webhookToken: WEBHOOK_TOKENS[0],
        bogus: WEBHOOK_TOKENS[1],
      }),
    );
    keep(await asTenant(t, tenant).get(`/api/v1/channels/${created.body.id}`));
    keep(await asTenant(t, tenant).get('/api/v1/agents/a-1/channels'));
    keep(await request(t.baseUrl).get('/api/v1/agents').set('authorization', `Bearer ${tenant.apiKey}x`));
    keep(await request(t.baseUrl).get('/api/v1/tenants').set('authorization', `Bearer ${tenant.apiKey}`));
    for (const token of platformTokens)
      keep(await request(t.baseUrl).post(`/${token}/bot_api_webhook`).send({ event: 'new_message' }));
    keep(await request(t.baseUrl).get(`/${platformTokens[0]}/bot_api_webhook`));

    // A reply the client server refuses with its echo: lastError (admin API) and the warning log carry it, redacted.
    const rotatedToken = rotated.body.platformWebhookUrl.split('/').at(-2) as string;
    await request(t.baseUrl)
      .post(`/${rotatedToken}/bot_api_webhook`)
      .send({
        event: 'new_message',
        chat_id: 7,
        visitor: { id: 'v-1' },
        message: { id: 'm-1', kind: 'visitor', text: 'hi' },
      })
      .expect(200);
    const messages = await eventually(async () => {
      const res = await asTenant(t, tenant).get(`/api/v1/channels/${created.body.id}/chats/7/messages`);
      const failed = (res.body.items as { status: string; direction: string }[]).some(
        (message) => message.direction === 'outbound' && message.status === 'failed',
      );
      return failed ? res : undefined;
    });
    keep(messages);
  }, 30_000);

  afterAll(async () => {
    await client?.close();
    await t?.close();
  });

  it('captured a real amount of logging, including the failed activations', () => {
    const text = t.logs.join('');
    expect(t.logs.length).toBeGreaterThan(20);
    expect(text).toContain('set_webhook was not accepted');
    expect(text).toContain('Activation reachability probe failed');
    expect(text).toContain('Outbound message failed');
  });

  it('an echoed webhook token shows as [REDACTED] in lastError', () => {
    expect(responses.join('\n')).toContain(
      '"lastError":"HTTP 401: {\\"error\\":\\"bad token\\",\\"got\\":\\"Token [REDACTED]\\"}"',
    );
  });

  it('no token, API key or webhook token appears in any log line', () => {
    const text = t.logs.join('');
    for (const secret of secrets) expect(text).not.toContain(secret);
  });

  it('no webhook token appears in any response, and tokens appear only where admin-api.md shows them', () => {
    const text = responses.join('\n');
    for (const token of WEBHOOK_TOKENS) expect(text).not.toContain(token);
    for (const key of secrets.slice(WEBHOOK_TOKENS.length + 1, WEBHOOK_TOKENS.length + 3))
      expect(text).not.toContain(key);
  });
});
