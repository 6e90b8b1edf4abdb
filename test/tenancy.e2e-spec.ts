import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import request from 'supertest';
import { asTenant, makeTenant, operator } from './support/admin-api.js';
import { TEST_ADMIN_TOKEN, startTestApp, type TestApp } from './support/test-app.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('tenants and API keys (operator)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });

  afterAll(async () => {
    await t?.close();
  });

  it('creates a tenant and shows its API key once', async () => {
    const res = await operator(t).post('/api/v1/tenants', { name: 'Acme' });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual([
      'apiKey',
      'apiKeyId',
      'createdAt',
      'id',
      'messageRetention',
      'messageRetentionSource',
      'name',
    ]);
    expect(res.body).toMatchObject({
      name: 'Acme',
      apiKey: expect.stringMatching(/^csk_[A-Za-z0-9_-]{43}$/),
      apiKeyId: expect.stringMatching(UUID),
    });

    const list = await operator(t).get('/api/v1/tenants');
    expect(list.status).toBe(200);
    const listed = (list.body as Record<string, unknown>[]).find((tenant) => tenant.id === res.body.id);
    expect(listed).toEqual({
      id: res.body.id,
      name: 'Acme',
      messageRetention: '30d',
      messageRetentionSource: 'default',
      createdAt: res.body.createdAt,
    });
    expect(list.text).not.toContain(res.body.apiKey);
  });

  it('stores only a hash of each API key', async () => {
    const tenant = await makeTenant(t, 'Hashed');
    const client = new pg.Client({ connectionString: t.database.url });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT key_hash FROM api_keys WHERE tenant_id = $1', [tenant.id]);
      expect(rows).toEqual([{ key_hash: createHash('sha256').update(tenant.apiKey).digest() }]);
      const dump = await client.query('SELECT row_to_json(k)::text AS row FROM api_keys k');
      expect(dump.rows.map((row: { row: string }) => row.row).join('\n')).not.toContain(tenant.apiKey.slice(4));
    } finally {
      await client.end();
    }
  });

  it('validates the body: missing name, empty name and unknown fields are 400 with details', async () => {
    const missing = await operator(t).post('/api/v1/tenants', {});
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({
      error: 'The request is invalid: check name.',
      code: 'VALIDATION_FAILED',
      details: expect.arrayContaining([{ field: 'name', message: expect.any(String) }]),
    });
    const empty = await operator(t).post('/api/v1/tenants', { name: '' });
    expect(empty.status).toBe(400);
    expect(empty.body.details).toEqual([
      { field: 'name', message: 'name must be longer than or equal to 1 characters' },
    ]);
    const unknown = await operator(t).post('/api/v1/tenants', { name: 'X', plan: 'gold' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.details).toEqual([{ field: 'plan', message: 'plan should not exist' }]);
  });

  it('adds and revokes API keys; a revoked key stops working at once', async () => {
    const tenant = await makeTenant(t, 'Keys');
    const added = await operator(t).post(`/api/v1/tenants/${tenant.id}/api-keys`);
    expect(added.status).toBe(201);
    expect(Object.keys(added.body).sort()).toEqual(['apiKey', 'createdAt', 'id']);
    const second = { id: tenant.id, apiKey: added.body.apiKey as string };
    expect((await asTenant(t, second).get('/api/v1/agents')).status).toBe(200);

    const revoked = await operator(t).delete(`/api/v1/tenants/${tenant.id}/api-keys/${added.body.id}`);
    expect(revoked.status).toBe(204);
    expect(revoked.text).toBe('');
    expect((await asTenant(t, second).get('/api/v1/agents')).status).toBe(401);
    expect((await asTenant(t, tenant).get('/api/v1/agents')).status).toBe(200);

    expect((await operator(t).delete(`/api/v1/tenants/${tenant.id}/api-keys/${added.body.id}`)).status).toBe(404);
  });

  it("lists a tenant's keys, oldest first, by id and creation time only", async () => {
    const created = await operator(t).post('/api/v1/tenants', { name: 'Listed' });
    const first = { id: created.body.id as string, apiKey: created.body.apiKey as string };
    const keysOf = async (): Promise<{ id: string; createdAt: string }[]> => {
      const res = await operator(t).get(`/api/v1/tenants/${first.id}/api-keys`);
      expect(res.status).toBe(200);
      expect(res.text).not.toContain('apiKey');
      expect(res.text).not.toMatch(/hash/i);
      for (const key of res.body as Record<string, unknown>[])
        expect(Object.keys(key).sort()).toEqual(['createdAt', 'id']);
      return res.body as { id: string; createdAt: string }[];
    };

    expect(await keysOf()).toEqual([{ id: created.body.apiKeyId, createdAt: expect.any(String) }]);

    const added = await operator(t).post(`/api/v1/tenants/${first.id}/api-keys`);
    const second = { id: first.id, apiKey: added.body.apiKey as string };
    const both = await keysOf();
    expect(both.map((key) => key.id)).toEqual([created.body.apiKeyId, added.body.id]);
    expect(both[1]).toEqual({ id: added.body.id, createdAt: added.body.createdAt });
    expect(Date.parse(both[0].createdAt)).toBeLessThanOrEqual(Date.parse(both[1].createdAt));
    const listed = (await operator(t).get(`/api/v1/tenants/${first.id}/api-keys`)).text;
    for (const key of [first.apiKey, second.apiKey]) {
      expect(listed).not.toContain(key);
      expect(listed).not.toContain(createHash('sha256').update(key).digest('hex'));
      expect(listed).not.toContain(createHash('sha256').update(key).digest('base64'));
    }

    // The key shown once at creation is revocable by the id that came with it.
    const revoked = await operator(t).delete(`/api/v1/tenants/${first.id}/api-keys/${created.body.apiKeyId}`);
    expect(revoked.status).toBe(204);
    expect(await keysOf()).toEqual([{ id: added.body.id, createdAt: added.body.createdAt }]);
    expect((await asTenant(t, first).get('/api/v1/agents')).status).toBe(401);
    expect((await asTenant(t, second).get('/api/v1/agents')).status).toBe(200);

    // Another tenant's keys are not listed.
    const other = await makeTenant(t, 'Neighbour');
    expect((await keysOf()).map((key) => key.id)).toEqual([added.body.id]);
    const theirs = await operator(t).get(`/api/v1/tenants/${other.id}/api-keys`);
    expect((theirs.body as { id: string }[]).map((key) => key.id)).not.toContain(added.body.id);
    expect(theirs.body).toHaveLength(1);
  });

  it('lists keys for the operator only, and answers an unknown or ill-formed tenant with 404', async () => {
    const tenant = await makeTenant(t, 'Private');
    const asItself = await asTenant(t, tenant).get(`/api/v1/tenants/${tenant.id}/api-keys`);
    expect(asItself.status).toBe(403);
    expect(asItself.body.code).toBe('FORBIDDEN');
    expect(asItself.text).not.toContain(tenant.apiKey);
    expect((await request(t.baseUrl).get(`/api/v1/tenants/${tenant.id}/api-keys`)).status).toBe(401);

    const notFound = { error: 'Tenant not found.', code: 'NOT_FOUND' };
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid', '%00', tenant.id.toUpperCase() + 'x']) {
      const res = await operator(t).get(`/api/v1/tenants/${id}/api-keys`);
      expect({ id, status: res.status, body: res.body }).toEqual({ id, status: 404, body: notFound });
    }
  });

  it('answers unknown tenants and keys with 404', async () => {
    const unknownTenant = await operator(t).post('/api/v1/tenants/00000000-0000-4000-8000-000000000000/api-keys');
    expect(unknownTenant.status).toBe(404);
    expect(unknownTenant.body).toEqual({ error: 'Tenant not found.', code: 'NOT_FOUND' });
    expect((await operator(t).post('/api/v1/tenants/not-a-uuid/api-keys')).status).toBe(404);
    const tenant = await makeTenant(t, 'Other');
    expect((await operator(t).delete(`/api/v1/tenants/${tenant.id}/api-keys/not-a-uuid`)).status).toBe(404);
  });

  describe('authentication', () => {
    it.each([
      ['no header', undefined],
      ['a wrong token', 'Bearer wrong-token'],
      ['a wrong scheme', `Basic ${TEST_ADMIN_TOKEN}`],
      ['a near-miss of the operator token', `Bearer ${TEST_ADMIN_TOKEN}x`],
    ])('401 with %s', async (_case, header) => {
      const req = request(t.baseUrl).get('/api/v1/tenants');
      const res = header ? await req.set('authorization', header) : await req;
      expect(res.status).toBe(401);
      expect(res.body).toEqual({
        error: 'Missing or invalid credentials: send Authorization: Bearer <token>.',
        code: 'UNAUTHORIZED',
      });
    });

    it('403 for a tenant key on an operator route and for the operator token on a tenant route', async () => {
      const tenant = await makeTenant(t, 'Roles');
      const asTenantOnOperatorRoute = await asTenant(t, tenant).get('/api/v1/tenants');
      expect(asTenantOnOperatorRoute.status).toBe(403);
      expect(asTenantOnOperatorRoute.body.code).toBe('FORBIDDEN');
      const asOperatorOnTenantRoute = await operator(t).get('/api/v1/agents');
      expect(asOperatorOnTenantRoute.status).toBe(403);
      expect(asOperatorOnTenantRoute.body.code).toBe('FORBIDDEN');
    });
  });
});
