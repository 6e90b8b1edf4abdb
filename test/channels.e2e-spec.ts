import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { asTenant, makeAgent, makeChannel, makeTenant, type TestTenant } from './support/admin-api.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const CHANNEL_KEYS = [
  'active',
  'agentId',
  'capabilities',
  'createdAt',
  'deliveryRateLimit',
  'health',
  'id',
  'inboundRateLimit',
  'platformWebhookUrl',
  'requireSignedWebhooks',
  'signingSecretSet',
  'title',
  'type',
  'updatedAt',
  'webhookTokenSet',
  'webhookUrl',
];

describe('agents and channels (tenant)', () => {
  let t: TestApp;
  let acme: TestTenant;

  beforeAll(async () => {
    t = await startTestApp({ env: { PUBLIC_BASE_URL: 'https://platform.example.com' } });
    acme = await makeTenant(t, 'Acme');
  });

  afterAll(async () => {
    await t?.close();
  });

  describe('agents', () => {
    it('PUT creates (201) then updates (200), keeping the title when none is sent', async () => {
      const created = await asTenant(t, acme).put('/api/v1/agents/bot.one_1-x', { title: 'Bot', trained: false });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        agentId: 'bot.one_1-x',
        title: 'Bot',
        trained: false,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      const updated = await asTenant(t, acme).put('/api/v1/agents/bot.one_1-x', { trained: true });
      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({
        agentId: 'bot.one_1-x',
        title: 'Bot',
        trained: true,
        createdAt: created.body.createdAt,
      });
      expect((await asTenant(t, acme).get('/api/v1/agents/bot.one_1-x')).body).toEqual(updated.body);
      const list = await asTenant(t, acme).get('/api/v1/agents');
      expect(list.status).toBe(200);
      expect(list.body).toContainEqual(updated.body);
    });

    it.each([
      ['a too long id', `/api/v1/agents/${'a'.repeat(65)}`, { trained: true }, 'agentId'],
      ['an id with a bad character', '/api/v1/agents/bad%20id', { trained: true }, 'agentId'],
      ['a missing trained', '/api/v1/agents/a-2', { title: 'x' }, 'trained'],
      ['a string trained', '/api/v1/agents/a-2', { trained: 'yes' }, 'trained'],
      ['a too long title', '/api/v1/agents/a-2', { trained: true, title: 'x'.repeat(256) }, 'title'],
      ['an unknown field', '/api/v1/agents/a-2', { trained: true, color: 'red' }, 'color'],
    ])('rejects %s with 400 and details', async (_case, path, body, field) => {
      const res = await asTenant(t, acme).put(path, body);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', error: expect.stringContaining(field) });
      expect(res.body.details).toContainEqual({ field, message: expect.any(String) });
    });

    it('answers an unknown agent with 404', async () => {
      const res = await asTenant(t, acme).get('/api/v1/agents/nope');
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: 'Agent not found.', code: 'NOT_FOUND' });
    });
  });

  describe('channels', () => {
    beforeAll(async () => {
      await makeAgent(t, acme, 'a-1');
    });

    it('creates a channel with the documented shape; the webhook token is write-only', async () => {
      const res = await asTenant(t, acme).post('/api/v1/agents/a-1/channels', {
        type: 'omnichannel',
        title: 'Site chat',
        webhookUrl: 'https://client.example.com/chat',
        webhookToken: 'client-secret-1',
      });
      expect(res.status).toBe(201);
      // The signing secret is shown in this answer only.
      expect(Object.keys(res.body).sort()).toEqual([...CHANNEL_KEYS, 'signingSecret', 'warnings'].sort());
      expect(res.body).toMatchObject({
        agentId: 'a-1',
        type: 'omnichannel',
        title: 'Site chat',
        active: false,
        webhookUrl: 'https://client.example.com/chat',
        webhookTokenSet: true,
        warnings: [],
        platformWebhookUrl: expect.stringMatching(
          /^https:\/\/platform\.example\.com\/[A-Za-z0-9_-]{43}\/bot_api_webhook$/,
        ),
      });
      expect(res.text).not.toContain('client-secret-1');

      const fetched = await asTenant(t, acme).get(`/api/v1/channels/${res.body.id}`);
      expect(fetched.status).toBe(200);
      expect(Object.keys(fetched.body).sort()).toEqual(CHANNEL_KEYS);
      expect(fetched.body.platformWebhookUrl).toBe(res.body.platformWebhookUrl);
    });

    it('lets titles repeat, defaults to inactive, and lists an agent’s channels', async () => {
      await makeAgent(t, acme, 'lister');
      const one = await makeChannel(t, acme, 'lister', { title: 'Same' });
      const two = await makeChannel(t, acme, 'lister', { title: 'Same' });
      expect(one.active).toBe(false);
      expect(one.platformWebhookUrl).not.toBe(two.platformWebhookUrl);
      const list = await asTenant(t, acme).get('/api/v1/agents/lister/channels');
      expect(list.status).toBe(200);
      expect((list.body as { id: string }[]).map((channel) => channel.id)).toEqual([one.id, two.id]);
      expect((await asTenant(t, acme).get('/api/v1/agents/ghost/channels')).status).toBe(404);
    });

    it('answers an unknown agent with 404 on create', async () => {
      const res = await asTenant(t, acme).post('/api/v1/agents/ghost/channels', {
        type: 'omnichannel',
        webhookUrl: 'https://c.example.com',
      });
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: 'Agent not found.', code: 'NOT_FOUND' });
    });

    it.each([
      ['a wrong type', { type: 'telegram', webhookUrl: 'https://c.example.com' }, 'type'],
      ['no webhookUrl', { type: 'omnichannel' }, 'webhookUrl'],
      ['a relative webhookUrl', { type: 'omnichannel', webhookUrl: '/chat' }, 'webhookUrl'],
      ['a ftp webhookUrl', { type: 'omnichannel', webhookUrl: 'ftp://c.example.com' }, 'webhookUrl'],
      ['user info in webhookUrl', { type: 'omnichannel', webhookUrl: 'https://u:p@c.example.com' }, 'webhookUrl'],
      [
        'a webhookUrl over 2048 characters',
        { type: 'omnichannel', webhookUrl: `https://c.example.com/${'x'.repeat(2048)}` },
        'webhookUrl',
      ],
      [
        'a title over 255 characters',
        { type: 'omnichannel', webhookUrl: 'https://c.example.com', title: 'x'.repeat(256) },
        'title',
      ],
      [
        'an empty webhookToken',
        { type: 'omnichannel', webhookUrl: 'https://c.example.com', webhookToken: '' },
        'webhookToken',
      ],
      ['a non-boolean active', { type: 'omnichannel', webhookUrl: 'https://c.example.com', active: 'yes' }, 'active'],
      ['an unknown field', { type: 'omnichannel', webhookUrl: 'https://c.example.com', color: 'red' }, 'color'],
    ])('rejects %s with 400 and details, creating nothing', async (_case, body, field) => {
      const before = await asTenant(t, acme).get('/api/v1/agents/a-1/channels');
      const res = await asTenant(t, acme).post('/api/v1/agents/a-1/channels', body);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(res.body.details).toContainEqual({ field, message: expect.any(String) });
      expect((await asTenant(t, acme).get('/api/v1/agents/a-1/channels')).body).toHaveLength(before.body.length);
    });

    it('PATCH changes the title, and a changed webhookUrl without a new token clears the stored token', async () => {
      const channel = await makeChannel(t, acme, 'a-1', { webhookToken: 'tok-1' });
      const renamed = await asTenant(t, acme).patch(`/api/v1/channels/${channel.id}`, { title: 'Renamed' });
      expect(renamed.status).toBe(200);
      expect(renamed.body).toMatchObject({ title: 'Renamed', webhookTokenSet: true, warnings: [] });

      const sameUrl = await asTenant(t, acme).patch(`/api/v1/channels/${channel.id}`, {
        webhookUrl: channel.webhookUrl,
      });
      expect(sameUrl.body.webhookTokenSet).toBe(true);

      const moved = await asTenant(t, acme).patch(`/api/v1/channels/${channel.id}`, {
        webhookUrl: 'https://elsewhere.example.com/hooks',
      });
      expect(moved.status).toBe(200);
      expect(moved.body).toMatchObject({ webhookUrl: 'https://elsewhere.example.com/hooks', webhookTokenSet: false });

      const movedWithToken = await asTenant(t, acme).patch(`/api/v1/channels/${channel.id}`, {
        webhookUrl: 'https://third.example.com',
        webhookToken: 'tok-2',
      });
      // Stored normalised: the WHATWG href of a bare origin ends in "/".
      expect(movedWithToken.body).toMatchObject({ webhookUrl: 'https://third.example.com/', webhookTokenSet: true });

      const cleared = await asTenant(t, acme).patch(`/api/v1/channels/${channel.id}`, {
        webhookToken: null,
        title: null,
      });
      expect(cleared.body).toMatchObject({ webhookTokenSet: false, title: null });
    });

    it('PATCH validation errors change nothing', async () => {
      const channel = await makeChannel(t, acme, 'a-1', { title: 'Keep' });
      const res = await asTenant(t, acme).patch(`/api/v1/channels/${channel.id}`, {
        title: 'New',
        webhookUrl: 'http//broken',
      });
      expect(res.status).toBe(400);
      expect(res.body.details).toEqual([
        { field: 'webhookUrl', message: 'webhookUrl must be an absolute http or https URL' },
      ]);
      expect((await asTenant(t, acme).get(`/api/v1/channels/${channel.id}`)).body).toMatchObject({
        title: 'Keep',
        webhookUrl: channel.webhookUrl,
      });
      const unknown = await asTenant(t, acme).patch(`/api/v1/channels/${channel.id}`, { agentId: 'other' });
      expect(unknown.status).toBe(400);
      expect(unknown.body.details).toEqual([{ field: 'agentId', message: 'agentId should not exist' }]);
      // Found by the admin fuzz suite: null for a field that cannot be null was written through to a 500.
      for (const body of [
        { active: null, title: 'New' },
        { webhookUrl: null, title: 'New' },
      ]) {
        const refused = await asTenant(t, acme).patch(`/api/v1/channels/${channel.id}`, body);
        expect({ status: refused.status, field: refused.body.details?.[0]?.field }).toEqual({
          status: 400,
          field: Object.keys(body)[0],
        });
      }
      expect((await asTenant(t, acme).get(`/api/v1/channels/${channel.id}`)).body).toMatchObject({ title: 'Keep' });
      // And on create, a null webhookToken means no token, as it does on PATCH (it was a 500).
      const tokenless = await asTenant(t, acme).post('/api/v1/agents/a-1/channels', {
        type: 'omnichannel',
        webhookUrl: 'https://client.example.com/chat',
        webhookToken: null,
      });
      expect({ status: tokenless.status, webhookTokenSet: tokenless.body.webhookTokenSet }).toEqual({
        status: 201,
        webhookTokenSet: false,
      });
    });

    it('rotate-token issues a new platform URL', async () => {
      const channel = await makeChannel(t, acme, 'a-1');
      const rotated = await asTenant(t, acme).post(`/api/v1/channels/${channel.id}/rotate-token`);
      expect(rotated.status).toBe(200);
      expect(Object.keys(rotated.body).sort()).toEqual(CHANNEL_KEYS);
      expect(rotated.body.platformWebhookUrl).not.toBe(channel.platformWebhookUrl);
      expect((await asTenant(t, acme).get(`/api/v1/channels/${channel.id}`)).body.platformWebhookUrl).toBe(
        rotated.body.platformWebhookUrl,
      );
    });

    it('DELETE removes the channel', async () => {
      const channel = await makeChannel(t, acme, 'a-1');
      const deleted = await asTenant(t, acme).delete(`/api/v1/channels/${channel.id}`);
      expect(deleted.status).toBe(204);
      expect((await asTenant(t, acme).get(`/api/v1/channels/${channel.id}`)).status).toBe(404);
      expect((await asTenant(t, acme).delete(`/api/v1/channels/${channel.id}`)).status).toBe(404);
    });

    it('answers unknown and malformed channel ids with 404', async () => {
      for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
        const res = await asTenant(t, acme).get(`/api/v1/channels/${id}`);
        expect(res.status).toBe(404);
        expect(res.body).toEqual({ error: 'Channel not found.', code: 'NOT_FOUND' });
      }
    });
  });

  describe('tenant isolation', () => {
    let other: TestTenant;
    let channelId: string;
    let snapshot: unknown;

    beforeAll(async () => {
      other = await makeTenant(t, 'Globex');
      await makeAgent(t, acme, 'iso-agent');
      channelId = (await makeChannel(t, acme, 'iso-agent', { title: 'Private', webhookToken: 'iso-secret' }))
        .id as string;
      snapshot = (await asTenant(t, acme).get(`/api/v1/channels/${channelId}`)).body;
    });

    const routes: [string, (tenant: TestTenant) => Promise<{ status: number; body: unknown }>][] = [
      ['GET agent', (tenant) => asTenant(t, tenant).get('/api/v1/agents/iso-agent')],
      ['GET agent channels', (tenant) => asTenant(t, tenant).get('/api/v1/agents/iso-agent/channels')],
      [
        'POST agent channel',
        (tenant) =>
          asTenant(t, tenant).post('/api/v1/agents/iso-agent/channels', {
            type: 'omnichannel',
            webhookUrl: 'https://evil.example.com',
          }),
      ],
      ['GET channel', (tenant) => asTenant(t, tenant).get(`/api/v1/channels/${channelId}`)],
      [
        'PATCH channel',
        (tenant) =>
          asTenant(t, tenant).patch(`/api/v1/channels/${channelId}`, {
            title: 'Owned',
            webhookUrl: 'https://evil.example.com',
          }),
      ],
      ['POST rotate-token', (tenant) => asTenant(t, tenant).post(`/api/v1/channels/${channelId}/rotate-token`)],
      ['DELETE channel', (tenant) => asTenant(t, tenant).delete(`/api/v1/channels/${channelId}`)],
    ];

    it.each(routes)("%s with another tenant's ids is 404", async (_name, call) => {
      const res = await call(other);
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ code: 'NOT_FOUND' });
    });

    it("leaves the owner's data unchanged", async () => {
      expect((await asTenant(t, acme).get(`/api/v1/channels/${channelId}`)).body).toEqual(snapshot);
      expect((await asTenant(t, acme).get('/api/v1/agents/iso-agent/channels')).body).toHaveLength(1);
      expect((await asTenant(t, other).get('/api/v1/agents')).body).toEqual([]);
    });

    it('PUT of the same agent id by another tenant creates a separate agent', async () => {
      const res = await asTenant(t, other).put('/api/v1/agents/iso-agent', { trained: false });
      expect(res.status).toBe(201);
      expect((await asTenant(t, acme).get('/api/v1/agents/iso-agent')).body.trained).toBe(true);
    });
  });
});
