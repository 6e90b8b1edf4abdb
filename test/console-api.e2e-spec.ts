import request from 'supertest';
import { CHANNEL_FIELDS, CHANNEL_OPERATIONS, CHANNEL_SAVE_FIELDS, OPERATIONS } from '../apps/console/src/operations.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * The console's typed client is checked against the OpenAPI document the service serves: every operation the console
 * calls exists with its method, path and success status, and every field the console reads is a documented property of
 * the success response. A route or field renamed in the service fails here, before any browser runs.
 */
type Schema = {
  $ref?: string;
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  allOf?: Schema[];
};
interface OpenApi {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: Schema }> }> }>
  >;
  components: { schemas: Record<string, Schema> };
}

describe('the console client against /docs-json', () => {
  let t: TestApp;
  let document: OpenApi;

  beforeAll(async () => {
    t = await startTestApp();
    document = (await request(t.baseUrl).get('/docs-json')).body as OpenApi;
  });
  afterAll(() => t?.close());

  function resolve(schema: Schema): Schema {
    if (schema.$ref) return resolve(document.components.schemas[schema.$ref.split('/').at(-1) as string]);
    if (schema.allOf) {
      const parts = schema.allOf.map(resolve);
      return { type: 'object', properties: Object.assign({}, ...parts.map((part) => part.properties ?? {})) };
    }
    return schema;
  }

  /** The documented properties of an operation's success answer (of its items, for a list). */
  function propertiesOf(name: keyof typeof OPERATIONS): { top: string[]; items: string[] } {
    const operation = OPERATIONS[name];
    const documented = document.paths[operation.path]?.[operation.method.toLowerCase()];
    if (!documented) throw new Error(`${operation.method} ${operation.path} is not in the OpenAPI document`);
    const response = documented.responses[String(operation.status)];
    if (!response) throw new Error(`${operation.method} ${operation.path} documents no ${operation.status} answer`);
    const schema = response.content?.['application/json']?.schema;
    if (!schema) return { top: [], items: [] };
    const resolved = resolve(schema);
    const element = resolved.type === 'array' && resolved.items ? resolve(resolved.items) : resolved;
    const items = Object.values(element.properties ?? {})
      .map(resolve)
      .find((property) => property.type === 'array' && property.items);
    return {
      top: Object.keys(element.properties ?? {}),
      items: items?.items ? Object.keys(resolve(items.items).properties ?? {}) : [],
    };
  }

  it.each(Object.keys(OPERATIONS) as (keyof typeof OPERATIONS)[])(
    '%s: method, path, status and the fields it reads',
    (name) => {
      const operation = OPERATIONS[name];
      const { top, items } = propertiesOf(name);
      expect(operation.fields.filter((field) => !top.includes(field))).toEqual([]);
      if ('itemFields' in operation) expect(operation.itemFields.filter((field) => !items.includes(field))).toEqual([]);
    },
  );

  it.each(CHANNEL_OPERATIONS)('%s answers a documented Channel', (name) => {
    const { top } = propertiesOf(name);
    expect(CHANNEL_FIELDS.filter((field) => !top.includes(field))).toEqual([]);
    if (name === 'createChannel' || name === 'updateChannel') {
      expect(CHANNEL_SAVE_FIELDS.filter((field) => !top.includes(field))).toEqual([]);
    }
  });
});
