import SwaggerParser from '@apidevtools/swagger-parser';
import request from 'supertest';
import { TEST_ADMIN_TOKEN, startTestApp, type TestApp } from './support/test-app.js';

/**
 * The OpenAPI document the service serves at /docs-json is one that users' tools accept: valid OpenAPI 3
 * (swagger-parser), with a server, each response's schema under `content`, and the security of every operation
 * declared: `[]` on the public routes (they answer without credentials) and the bearer token on the admin API. The full
 * check, with Redocly's lint and a generated TypeScript client compiled, is `npm run check:openapi` (CI runs it).
 */
interface Operation {
  security?: Record<string, string[]>[];
  responses: Record<string, Record<string, unknown>>;
}
interface OpenApi {
  servers?: { url: string; description?: string }[];
  paths: Record<string, Record<string, Operation>>;
}

/** Outside the admin API: probes, Prometheus, and the client servers' webhook (its token is in the path). */
const PUBLIC = ['GET /health/live', 'GET /health/ready', 'GET /metrics', 'POST /{token}/bot_api_webhook'];

describe('the OpenAPI document at /docs-json', () => {
  let t: TestApp;
  let document: OpenApi;
  let operations: [name: string, operation: Operation][];

  beforeAll(async () => {
    t = await startTestApp();
    document = (await request(t.baseUrl).get('/docs-json').expect(200)).body as OpenApi;
    operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]): [string, Operation] => [
        `${method.toUpperCase()} ${path}`,
        operation,
      ]),
    );
  });
  afterAll(() => t?.close());

  it('passes @apidevtools/swagger-parser validation', async () => {
    // validate() dereferences what it is given: a copy keeps the document as served for the other tests.
    const copy = structuredClone(document) as unknown as Parameters<typeof SwaggerParser.validate>[0];
    await expect(SwaggerParser.validate(copy)).resolves.toBeDefined();
  });

  it('names a server: relative, so that it is the deployed service wherever that is', () => {
    expect(document.servers).toEqual([expect.objectContaining({ url: '/' })]);
  });

  it('has no response with a schema beside its content (OpenAPI 2 style, invalid in OpenAPI 3)', () => {
    const misplaced = operations.flatMap(([name, operation]) =>
      Object.entries(operation.responses)
        .filter(([, response]) => 'schema' in response)
        .map(([status]) => `${name} ${status}`),
    );
    expect(misplaced).toEqual([]);
  });

  it('declares security: [] on exactly the public routes, and the bearer token on every admin route', () => {
    expect(operations.filter(([, operation]) => operation.security === undefined).map(([name]) => name)).toEqual([]);
    const open = operations.filter(([, operation]) => operation.security?.length === 0).map(([name]) => name);
    expect(open.sort()).toEqual([...PUBLIC].sort());
    const admin = operations.filter(([name]) => !PUBLIC.includes(name));
    expect(admin.length).toBeGreaterThan(0);
    for (const [name, operation] of admin) {
      expect(name).toMatch(/^[A-Z]+ \/api\/v1\//);
      expect(operation.security).toEqual([{ bearer: [] }]);
    }
  });

  it('is true about it: the public routes answer without credentials, an admin route does not', async () => {
    await request(t.baseUrl).get('/health/live').expect(200);
    await request(t.baseUrl).get('/health/ready').expect(200);
    await request(t.baseUrl).get('/metrics').expect(200);
    // An unknown token is row 2 of the protocol's table (no active channel), not a refusal of credentials.
    await request(t.baseUrl).post('/unknown-token/bot_api_webhook').send({ event: 'new_message' }).expect(400);
    await request(t.baseUrl).get('/api/v1/tenants').expect(401);
    await request(t.baseUrl).get('/api/v1/tenants').set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`).expect(200);
  });
});
