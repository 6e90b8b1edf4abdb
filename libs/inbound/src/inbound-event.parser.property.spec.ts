import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parseInboundEvent } from './inbound-event.parser.js';

const OUTCOMES = ['invalid-json', 'missing', 'ignored', 'malformed', 'accepted'];

/** Numbers where parsers slip: the edges of safe integers, floats, huge and negative values. */
const edgeNumber = fc.constantFrom(
  0,
  -0,
  1,
  -1,
  0.5,
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 1,
  Number.MIN_SAFE_INTEGER,
  Number.MIN_SAFE_INTEGER - 1,
  2 ** 53,
  1e-320,
);
const hostileString = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    '__proto__',
    'constructor',
    'prototype',
    'new_message',
    'visitor',
    'file_visitor',
    'keyboard_response',
    'ready',
    '\u0000',
    '\ud800',
    'ﬀ'.repeat(300),
  ),
  fc.nat({ max: 70 * 1024 }).map((size) => 'x'.repeat(size)),
);
const anyValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { maxDepth: 4 },
    hostileString,
    edgeNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    tie('object'),
  ),
  object: fc.dictionary(
    fc.oneof(
      hostileString,
      fc.constantFrom('__proto__', 'constructor', 'id', 'kind', 'text', 'data', 'state', 'url', 'button', 'fields'),
    ),
    tie('value'),
    { maxKeys: 4 },
  ),
})).value;

/** A valid event with hostile values in its known places. */
const hostileEvent = fc
  .record({
    event: fc.oneof(fc.constant('new_message'), anyValue),
    chat_id: fc.oneof(edgeNumber, hostileString, anyValue),
    visitor: fc.oneof(
      fc.record({
        id: fc.oneof(hostileString, anyValue),
        fields: fc.oneof(anyValue, fc.dictionary(hostileString, anyValue)),
      }),
      anyValue,
    ),
    message: fc.oneof(
      fc.record({
        id: fc.oneof(hostileString, anyValue),
        kind: fc.constantFrom('visitor', 'file_visitor', 'keyboard_response'),
        text: fc.oneof(hostileString, anyValue),
      }),
      fc.record({
        id: hostileString,
        kind: fc.constant('file_visitor'),
        data: fc.record({
          id: anyValue,
          state: fc.oneof(fc.constant('ready'), anyValue),
          url: fc.oneof(hostileString, anyValue),
          size: fc.oneof(edgeNumber, anyValue),
          content_type: anyValue,
        }),
      }),
      fc.record({
        id: hostileString,
        kind: fc.constant('keyboard_response'),
        data: fc.record({
          button: fc.oneof(
            fc.record({ id: fc.oneof(edgeNumber, anyValue), text: fc.oneof(hostileString, anyValue) }),
            anyValue,
          ),
        }),
      }),
      anyValue,
    ),
  })
  .map((event) => JSON.stringify(event));

function deeplyNested(depth: number, open: string, close: string): string {
  return `{"event":"new_message","chat_id":1,"visitor":{"id":"v"},"message":{"id":"m","kind":"visitor","text":"t"},"x":${open.repeat(depth)}${close.repeat(depth)}}`;
}

describe('parseInboundEvent, hostile input (fast-check)', () => {
  it('never throws, always names a row of the table, and what it accepts is within the protocol’s limits', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          hostileEvent,
          anyValue.map((value) => JSON.stringify(value) ?? 'undefined'),
          fc.string({ maxLength: 300 }),
        ),
        (body) => {
          const parsed = parseInboundEvent(body);
          expect(OUTCOMES).toContain(parsed.outcome);
          if (parsed.outcome === 'accepted') {
            const { event } = parsed;
            expect(
              typeof event.chatId === 'string'
                ? event.chatId.length > 0 && event.chatId.length <= 255
                : Number.isSafeInteger(event.chatId),
            ).toBe(true);
            expect(event.visitorId.length).toBeLessThanOrEqual(255);
            expect(event.clientMessageId.length).toBeLessThanOrEqual(255);
            expect(Buffer.byteLength(event.text)).toBeLessThanOrEqual(64 * 1024 + 8 * 1024);
            for (const value of Object.values(event.visitorFields)) expect(typeof value).toBe('string');
          }
          if (parsed.outcome === 'missing' || parsed.outcome === 'malformed')
            expect(parsed.path).toMatch(/^[a-z_]+(\.[a-z_]+)*$/);
        },
      ),
      { numRuns: 2000 },
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('id');
  });

  it('answers deep nesting in any unknown key without a crash', () => {
    for (const depth of [10, 1_000, 100_000]) {
      expect(['accepted', 'invalid-json']).toContain(parseInboundEvent(deeplyNested(depth, '[', ']')).outcome);
      expect(['accepted', 'invalid-json']).toContain(
        parseInboundEvent(deeplyNested(depth, '{"a":', '}').replace(/\{"a":\}/, '{"a":1}')).outcome,
      );
    }
  });

  it('reads __proto__ and constructor as plain keys, never through the prototype chain', () => {
    const parsed = parseInboundEvent(
      '{"__proto__":{"event":"new_message"},"constructor":{"prototype":{"x":1}},"chat_id":1,"visitor":{"id":"v","__proto__":{"id":"w"}},"message":{"id":"m","kind":"visitor","text":"t"}}',
    );
    expect(parsed).toEqual({ outcome: 'missing', path: 'event' });
    expect(({} as Record<string, unknown>).event).toBeUndefined();
  });
});
