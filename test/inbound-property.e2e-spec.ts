import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import request from 'supertest';
import { makeAgent, makeChannel, makeTenant } from './support/admin-api.js';
import { startFakeClientServer, type FakeClientServer } from './support/fake-client-server.js';
import { counts, fromTheTable, postEvent, tokenOf, visitorEvent } from './support/inbound.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const jsonValue = fc.jsonValue({ maxDepth: 4 });

/** A valid event with one place replaced by an arbitrary JSON value (or removed). */
const mutatedEvent = fc
  .tuple(
    fc.constantFrom(
      'event',
      'chat_id',
      'visitor',
      'visitor.id',
      'visitor.fields',
      'visitor.fields.name',
      'message',
      'message.id',
      'message.kind',
      'message.text',
      'message.data',
      'message.data.state',
      'message.data.url',
      'message.data.button',
      '__proto__',
      'constructor',
    ),
    fc.option(jsonValue, { nil: undefined }),
    fc.constantFrom('visitor', 'file_visitor', 'keyboard_response'),
    fc.string({ maxLength: 12 }),
  )
  .map(([path, value, kind, id]) => {
    const event = visitorEvent({ messageId: `fuzz-${id}` }) as Record<string, Record<string, unknown>>;
    if (kind === 'file_visitor')
      event.message = { id: `fuzz-${id}`, kind, data: { state: 'ready', url: 'https://f.example/x' } };
    if (kind === 'keyboard_response')
      event.message = { id: `fuzz-${id}`, kind, data: { button: { id: '1', text: 'Yes' } } };
    const keys = path.split('.');
    let node: Record<string, unknown> = event;
    for (const key of keys.slice(0, -1)) {
      if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    const last = keys.at(-1) as string;
    if (value === undefined) delete node[last];
    else Object.defineProperty(node, last, { value, enumerable: true, writable: true, configurable: true });
    return JSON.stringify(event);
  });

describe('property: the webhook answers only from the status table', () => {
  let t: TestApp;
  let client: FakeClientServer;
  let token: string;

  beforeAll(async () => {
    // HTTP only: no Agent bridge writing replies while the test counts rows.
    t = await startTestApp({ env: { LOG_LEVEL: 'warn', ROLE: 'api' } });
    client = await startFakeClientServer();
    const tenant = await makeTenant(t);
    await makeAgent(t, tenant, 'a-1');
    token = tokenOf(await makeChannel(t, tenant, 'a-1', { webhookUrl: client.url, active: true }));
  });

  afterAll(async () => {
    await client?.close();
    await t?.close();
  });

  it('random JSON values and mutated valid events get a status from the table, and rejected ones write nothing', async () => {
    const bodies = fc.oneof(
      jsonValue.map((value) => JSON.stringify(value)),
      mutatedEvent,
      fc.string({ maxLength: 200 }),
    );
    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        const before = await counts(t);
        const res = await postEvent(t, token, body);
        expect(fromTheTable(res.status, res.body as Record<string, unknown>)).toBe(true);
        if (!(res.status === 200 && res.body.result === 'ok' && res.body.duplicate !== true)) {
          expect(await counts(t)).toEqual(before);
        }
      }),
      { numRuns: 300 },
    );
    expect((await request(t.baseUrl).get('/health/live')).status).toBe(200);
  }, 120_000);
});
