import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { asTenant, makeAgent, makeChannel, makeTenant, type TestTenant } from './support/admin-api.js';
import { refusedPort, startFakeClientServer, type FakeClientServer } from './support/fake-client-server.js';
import { BLOCKED_DESTINATIONS, startConnectionCounter, type ConnectionCounter } from './support/ssrf.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const UNREACHABLE = { code: 'CHANNEL_UNREACHABLE', message: "Can't reach channel" };
const NOT_REGISTERED = { code: 'WEBHOOK_REGISTRATION_FAILED', message: "Couldn't register agent webhook" };
const NOT_TRAINED = {
  error: 'The agent is not trained. Train the agent, then activate the channel again.',
  code: 'AGENT_NOT_TRAINED',
};

describe('channel activation checks (docs/protocol.md, section 4)', () => {
  let t: TestApp;
  let acme: TestTenant;
  let client: FakeClientServer;

  beforeAll(async () => {
    t = await startTestApp();
    acme = await makeTenant(t, 'Acme');
    await makeAgent(t, acme, 'trained', { trained: true });
    await makeAgent(t, acme, 'untrained', { trained: false });
    client = await startFakeClientServer();
  });

  afterEach(() => {
    client.requests.length = 0;
    client.respondWith(() => ({ status: 200, body: {} }));
  });

  afterAll(async () => {
    await client?.close();
    await t?.close();
  });

  it('refuses to create an active channel for an untrained agent: 409, nothing saved, nothing sent', async () => {
    const res = await asTenant(t, acme).post('/api/v1/agents/untrained/channels', {
      type: 'omnichannel',
      webhookUrl: `${client.url}/hooks`,
      active: true,
    });
    expect(res.status).toBe(409);
    expect(res.body).toEqual(NOT_TRAINED);
    expect((await asTenant(t, acme).get('/api/v1/agents/untrained/channels')).body).toEqual([]);
    expect(client.requests).toEqual([]);
  });

  it('refuses to switch an untrained agent’s channel active; the other fields of that PATCH are not applied either', async () => {
    const channel = await makeChannel(t, acme, 'untrained', { title: 'Before', webhookUrl: `${client.url}/hooks` });
    const res = await asTenant(t, acme).patch(`/api/v1/channels/${channel.id}`, { active: true, title: 'After' });
    expect(res.status).toBe(409);
    expect(res.body).toEqual(NOT_TRAINED);
    expect((await asTenant(t, acme).get(`/api/v1/channels/${channel.id}`)).body).toMatchObject({
      active: false,
      title: 'Before',
    });
    expect(client.requests).toEqual([]);
  });

  it('a healthy client server: no warnings, and it received the probe and set_webhook with the platform URL and the token', async () => {
    const res = await asTenant(t, acme).post('/api/v1/agents/trained/channels', {
      type: 'omnichannel',
      webhookUrl: `${client.url}/hooks?tenant=7`,
      webhookToken: 'client-token-42',
      active: true,
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ active: true, warnings: [] });
    const probe = client.requests.find((request) => request.method === 'GET');
    expect(probe?.url).toBe('/hooks?tenant=7');
    const registration = client.requests.find((request) => request.method === 'POST');
    expect(registration?.url).toBe('/hooks/set_webhook?tenant=7');
    expect(registration?.json).toEqual({ url: res.body.platformWebhookUrl });
    expect(registration?.headers.authorization).toBe('Token client-token-42');
    expect(registration?.headers['content-type']).toBe('application/json');
    expect(registration?.headers['user-agent']).toBe('channel-service/0.1.0');
  });

  it('unique-URL mode: without a webhook token, set_webhook carries no Authorization header', async () => {
    const res = await asTenant(t, acme).post('/api/v1/agents/trained/channels', {
      type: 'omnichannel',
      webhookUrl: `${client.url}/secret-path-123`,
      active: true,
    });
    expect(res.body.warnings).toEqual([]);
    const registration = client.requests.find((request) => request.method === 'POST');
    expect(registration?.url).toBe('/secret-path-123/set_webhook');
    expect(registration?.headers.authorization).toBeUndefined();
  });

  it('set_webhook answered with an error: the channel is reachable but not registered, and still saved active', async () => {
    client.respondWith((request) =>
      request.method === 'POST' ? { status: 500, body: { error: 'boom' } } : { status: 404 },
    );
    const res = await asTenant(t, acme).post('/api/v1/agents/trained/channels', {
      type: 'omnichannel',
      webhookUrl: client.url,
      active: true,
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ active: true, warnings: [NOT_REGISTERED] });
  });

  it('a refused port: both warnings, and the channel is saved active', async () => {
    const port = await refusedPort();
    const res = await asTenant(t, acme).post('/api/v1/agents/trained/channels', {
      type: 'omnichannel',
      webhookUrl: `http://127.0.0.1:${port}/hooks`,
      active: true,
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ active: true, warnings: [UNREACHABLE, NOT_REGISTERED] });
    expect((await asTenant(t, acme).get(`/api/v1/channels/${res.body.id}`)).body.active).toBe(true);
  });

  it('a client server that accepts and never answers: both warnings, within 11 s', async () => {
    client.respondWith(() => 'hang');
    const started = Date.now();
    const res = await asTenant(t, acme).post('/api/v1/agents/trained/channels', {
      type: 'omnichannel',
      webhookUrl: client.url,
      active: true,
    });
    const elapsed = Date.now() - started;
    expect(res.status).toBe(201);
    expect(res.body.warnings).toEqual([UNREACHABLE, NOT_REGISTERED]);
    expect(elapsed).toBeLessThan(11_000);
  }, 20_000);

  it('checks run when an inactive channel is switched active and when the URL of an active channel changes, not on other saves', async () => {
    const channel = await makeChannel(t, acme, 'trained', { webhookUrl: `${client.url}/one` });
    expect(client.requests).toEqual([]);
    const activated = await asTenant(t, acme).patch(`/api/v1/channels/${channel.id}`, { active: true });
    expect(activated.body).toMatchObject({ active: true, warnings: [] });
    expect(client.requests.map((request) => `${request.method} ${request.url}`).sort()).toEqual([
      'GET /one',
      'POST /one/set_webhook',
    ]);

    client.requests.length = 0;
    await asTenant(t, acme).patch(`/api/v1/channels/${channel.id}`, { title: 'Renamed' });
    expect(client.requests).toEqual([]);

    const moved = await asTenant(t, acme).patch(`/api/v1/channels/${channel.id}`, { webhookUrl: `${client.url}/two` });
    expect(moved.body.warnings).toEqual([]);
    expect(client.requests.map((request) => `${request.method} ${request.url}`).sort()).toEqual([
      'GET /two',
      'POST /two/set_webhook',
    ]);
  });

  it('the link-local range stays blocked even with private networks allowed', async () => {
    const res = await asTenant(t, acme).post('/api/v1/agents/trained/channels', {
      type: 'omnichannel',
      webhookUrl: 'http://169.254.169.254/latest/meta-data',
      active: true,
    });
    expect(res.status).toBe(201);
    expect(res.body.warnings).toEqual([UNREACHABLE, NOT_REGISTERED]);
  });
});

describe('SSRF guard with private networks disallowed', () => {
  let t: TestApp;
  let acme: TestTenant;
  let counter: ConnectionCounter;

  beforeAll(async () => {
    t = await startTestApp({ env: { OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'false', ALLOW_HTTP_WEBHOOKS: 'true' } });
    acme = await makeTenant(t, 'Acme');
    await makeAgent(t, acme, 'a-1');
    counter = await startConnectionCounter();
  });

  afterAll(async () => {
    await counter?.close();
    await t?.close();
  });

  it.each(BLOCKED_DESTINATIONS)(
    '%s is never connected to and activation reports it unreachable',
    async (_name, url) => {
      const res = await asTenant(t, acme).post('/api/v1/agents/a-1/channels', {
        type: 'omnichannel',
        webhookUrl: url(counter.port),
        active: true,
      });
      expect(res.status).toBe(201);
      expect(res.body.warnings).toEqual([UNREACHABLE, NOT_REGISTERED]);
      expect(counter.connections()).toBe(0);
    },
  );
});
