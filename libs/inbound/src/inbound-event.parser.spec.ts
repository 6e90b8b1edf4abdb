import { describe, expect, it } from '@jest/globals';
import { parseInboundEvent } from './inbound-event.parser.js';

const valid = {
  event: 'new_message',
  chat_id: 1042,
  visitor: {
    id: 'v-77',
    fields: {
      name: 'Ann',
      login: 'ann',
      phone: '+100200300',
      email: 'ann@example.com',
      site: 'example.com',
      extra: { deep: true },
    },
  },
  message: { id: 'm-1', kind: 'visitor', text: 'Hello' },
};

function parse(body: unknown): ReturnType<typeof parseInboundEvent> {
  return parseInboundEvent(typeof body === 'string' ? body : JSON.stringify(body));
}

function withMessage(message: Record<string, unknown>): unknown {
  return { ...valid, message };
}

describe('parseInboundEvent', () => {
  it('accepts a visitor text, keeping chat_id’s JSON type and the known visitor fields', () => {
    expect(parse(valid)).toEqual({
      outcome: 'accepted',
      event: {
        chatId: 1042,
        visitorId: 'v-77',
        visitorFields: {
          name: 'Ann',
          login: 'ann',
          phone: '+100200300',
          email: 'ann@example.com',
          site: 'example.com',
        },
        clientMessageId: 'm-1',
        kind: 'visitor',
        text: 'Hello',
        payload: null,
      },
    });
    const stringChat = parse({ ...valid, chat_id: '1042' });
    expect(stringChat.outcome === 'accepted' && stringChat.event.chatId).toBe('1042');
  });

  it('turns a ready file into the file line, with the documented fallbacks', () => {
    const full = parse(
      withMessage({
        id: 'm-2',
        kind: 'file_visitor',
        data: {
          id: 'f-9',
          state: 'ready',
          name: 'a.pdf',
          content_type: 'application/pdf',
          size: 10,
          url: 'https://files.example/a.pdf',
        },
      }),
    );
    expect(full.outcome === 'accepted' && full.event.text).toBe('file:application/pdf|f-9|https://files.example/a.pdf');
    const bare = parse(
      withMessage({ id: 'm-3', kind: 'file_visitor', data: { state: 'ready', url: 'https://files.example/b' } }),
    );
    expect(bare.outcome === 'accepted' && bare.event.text).toBe(
      'file:application/octet-stream|m-3|https://files.example/b',
    );
  });

  it('turns a keyboard response into the button label', () => {
    const res = parse(
      withMessage({ id: 'm-4', kind: 'keyboard_response', data: { button: { id: '1', text: 'Yes' } } }),
    );
    expect(res).toMatchObject({
      outcome: 'accepted',
      event: { text: 'Yes', kind: 'keyboard_response', payload: { button: { id: '1', text: 'Yes' } } },
    });
  });

  it.each([
    ['not JSON', '{"event":'],
    ['an array', '[1,2]'],
    ['null', 'null'],
    ['a number', '42'],
    ['a string', '"hello"'],
    ['empty', ''],
  ])('row 4: %s is invalid JSON', (_case, body) => {
    expect(parse(body)).toEqual({ outcome: 'invalid-json' });
  });

  it.each([
    ['event', { ...valid, event: undefined }],
    ['event', { ...valid, event: null }],
    ['chat_id', { ...valid, chat_id: null }],
    ['visitor', { ...valid, visitor: undefined }],
    ['visitor.id', { ...valid, visitor: { fields: {} } }],
    ['visitor.id', { ...valid, visitor: 'v-77' }],
    ['message', { ...valid, message: null }],
    ['message.id', withMessage({ kind: 'visitor', text: 'x' })],
    ['message.kind', withMessage({ id: 'm', text: 'x' })],
    ['chat_id', { event: 'other' }],
  ])('row 5: missing %s', (path, body) => {
    expect(parse(body)).toEqual({ outcome: 'missing', path });
  });

  it.each([
    [{ ...valid, event: 'chat_rated' }, 'unsupported event "chat_rated"'],
    [{ ...valid, event: 7 }, 'unsupported event "7"'],
    [withMessage({ id: 'm', kind: 'operator', text: 'x' }), 'unsupported message kind "operator"'],
    [withMessage({ id: 'm', kind: 'sticker', text: 5 }), 'unsupported message kind "sticker"'],
    [{ ...valid, event: 'x', chat_id: { weird: true } }, 'unsupported event "x"'],
  ])('row 6: ignores %j', (body, reason) => {
    expect(parse(body)).toEqual({ outcome: 'ignored', reason });
  });

  it.each([
    ['message.text', withMessage({ id: 'm', kind: 'visitor' })],
    ['message.data', withMessage({ id: 'm', kind: 'file_visitor' })],
    ['message.data.state', withMessage({ id: 'm', kind: 'file_visitor', data: { url: 'u' } })],
    ['message.data.url', withMessage({ id: 'm', kind: 'file_visitor', data: { state: 'ready', url: null } })],
    ['message.data', withMessage({ id: 'm', kind: 'keyboard_response', data: null })],
    ['message.data.button', withMessage({ id: 'm', kind: 'keyboard_response', data: {} })],
    ['message.data.button.text', withMessage({ id: 'm', kind: 'keyboard_response', data: { button: { id: '1' } } })],
    ['message.data.state', withMessage({ id: 'm', kind: 'file_visitor', data: [1] })],
    ['message.data.button.text', withMessage({ id: 'm', kind: 'keyboard_response', data: { button: 'Yes' } })],
  ])('row 7: missing %s', (path, body) => {
    expect(parse(body)).toEqual({ outcome: 'missing', path });
  });

  it.each([
    ['chat_id', { ...valid, chat_id: { id: 1 } }],
    ['chat_id', { ...valid, chat_id: 10.5 }],
    ['chat_id', { ...valid, chat_id: '' }],
    ['chat_id', { ...valid, chat_id: 'x'.repeat(256) }],
    ['chat_id', { ...valid, chat_id: 2 ** 60 }],
    ['visitor.id', { ...valid, visitor: { id: 77 } }],
    ['visitor.fields', { ...valid, visitor: { id: 'v', fields: 'Ann' } }],
    ['visitor.fields', { ...valid, visitor: { id: 'v', fields: ['Ann'] } }],
    ['visitor.fields.email', { ...valid, visitor: { id: 'v', fields: { email: 5 } } }],
    ['message.id', withMessage({ id: 'x'.repeat(256), kind: 'visitor', text: 'x' })],
    ['message.text', withMessage({ id: 'm', kind: 'visitor', text: 42 })],
    ['message.text', withMessage({ id: 'm', kind: 'visitor', text: 'é'.repeat(32 * 1024 + 1) })],
    [
      'message.data.url',
      withMessage({ id: 'm', kind: 'file_visitor', data: { state: 'ready', url: 'x'.repeat(4097) } }),
    ],
    [
      'message.data.size',
      withMessage({ id: 'm', kind: 'file_visitor', data: { state: 'ready', url: 'u', size: 'big' } }),
    ],
    [
      'message.data.button.text',
      withMessage({ id: 'm', kind: 'keyboard_response', data: { button: { text: ['Yes'] } } }),
    ],
  ])('row 8: malformed %s', (path, body) => {
    expect(parse(body)).toMatchObject({ outcome: 'malformed', path, problem: expect.any(String) });
  });

  it('row 8 names the problem precisely', () => {
    expect(parse({ ...valid, chat_id: 10.5 })).toEqual({
      outcome: 'malformed',
      path: 'chat_id',
      problem: 'must be an integer or a non-empty string of at most 255 characters, not a float',
    });
    expect(parse(withMessage({ id: 'm', kind: 'visitor', text: 42 }))).toEqual({
      outcome: 'malformed',
      path: 'message.text',
      problem: 'must be a string, not an integer',
    });
  });

  it.each([
    ['chat_id', { ...valid, chat_id: 'a\u0000b' }],
    ['visitor.id', { ...valid, visitor: { id: '\u0000' } }],
    ['visitor.fields.name', { ...valid, visitor: { id: 'v', fields: { name: 'A\u0000' } } }],
    ['message.id', withMessage({ id: 'm\u0000', kind: 'visitor', text: 'hi' })],
    ['message.text', withMessage({ id: 'm', kind: 'visitor', text: 'hi\u0000' })],
    [
      'message.data.url',
      withMessage({ id: 'm', kind: 'file_visitor', data: { state: 'ready', url: 'https://f/\u0000' } }),
    ],
    [
      'message.data.name',
      withMessage({ id: 'm', kind: 'file_visitor', data: { state: 'ready', url: 'https://f/x', name: '\u0000.pdf' } }),
    ],
    [
      'message.data.button.id',
      withMessage({ id: 'm', kind: 'keyboard_response', data: { button: { id: '\u0000', text: 'Yes' } } }),
    ],
    [
      'message.data.button.text',
      withMessage({ id: 'm', kind: 'keyboard_response', data: { button: { id: '1', text: 'Y\u0000' } } }),
    ],
  ])(
    'row 8: a NUL character in %s, which PostgreSQL cannot store, is malformed input, not an internal error',
    (path, body) => {
      expect(parse(body)).toEqual({ outcome: 'malformed', path, problem: 'must not contain NUL (\\u0000) characters' });
    },
  );

  it.each([
    ['chat_id', { ...valid, chat_id: 'chat-\ud83d' }],
    ['visitor.id', { ...valid, visitor: { id: '\ude00' } }],
    ['visitor.fields.email', { ...valid, visitor: { id: 'v', fields: { email: 'a@b\ud800.c' } } }],
    ['message.id', withMessage({ id: 'dup-\ud800', kind: 'visitor', text: 'hi' })],
    ['message.text', withMessage({ id: 'm', kind: 'visitor', text: 'half an emoji: \ud83d' })],
    [
      'message.data.url',
      withMessage({ id: 'm', kind: 'file_visitor', data: { state: 'ready', url: 'https://f/\udfff' } }),
    ],
    [
      'message.data.button.text',
      withMessage({ id: 'm', kind: 'keyboard_response', data: { button: { id: 1, text: '\ud83dYes' } } }),
    ],
  ])('row 8: half a surrogate pair in %s is malformed input, never stored as U+FFFD', (path, body) => {
    expect(parse(body)).toEqual({
      outcome: 'malformed',
      path,
      problem: 'must be well-formed Unicode (it contains half of a surrogate pair)',
    });
  });

  it('row 8 keeps distinct ids distinct: "dup-\\ud800" and "dup-\\ud801" are both refused, not both stored as "dup-\\ufffd"', () => {
    for (const id of ['dup-\ud800', 'dup-\ud801'])
      expect(parse(withMessage({ id, kind: 'visitor', text: 'hi' }))).toMatchObject({
        outcome: 'malformed',
        path: 'message.id',
      });
    expect(
      parse(withMessage({ id: 'dup-\ud83d\ude00', kind: 'visitor', text: 'a whole pair is fine: \ud83d\ude00' })),
    ).toMatchObject({
      outcome: 'accepted',
    });
  });

  it('row 9: a file that is not ready is ignored, but only once it is well-formed', () => {
    expect(parse(withMessage({ id: 'm', kind: 'file_visitor', data: { state: 'uploading', url: 'u' } }))).toEqual({
      outcome: 'ignored',
      reason: 'file is not ready',
    });
    expect(parse(withMessage({ id: 'm', kind: 'file_visitor', data: { state: 'uploading', url: 7 } }))).toMatchObject({
      outcome: 'malformed',
      path: 'message.data.url',
    });
  });

  it('ignores unknown keys and never reads the prototype chain', () => {
    const body =
      '{"__proto__":{"event":"x"},"constructor":{"prototype":{}},"event":"new_message","chat_id":1,"visitor":{"id":"v","__proto__":{"id":1}},"message":{"id":"m","kind":"visitor","text":"t","toString":5},"extra":[1,2]}';
    expect(parse(body)).toMatchObject({ outcome: 'accepted', event: { text: 't', visitorId: 'v' } });
    expect(
      parse(
        '{"chat_id":1,"visitor":{"id":"v"},"message":{"id":"m","kind":"visitor"},"__proto__":{"event":"new_message"}}',
      ),
    ).toEqual({ outcome: 'missing', path: 'event' });
  });
});

describe('parseInboundEvent: chat_closed (row 6b, an extension)', () => {
  it('needs only chat_id, keeps its JSON type, and ignores everything else', () => {
    expect(parseInboundEvent('{"event":"chat_closed","chat_id":1042}')).toEqual({
      outcome: 'chat-closed',
      chatId: 1042,
    });
    expect(parseInboundEvent('{"event":"chat_closed","chat_id":"c-1","visitor":7,"message":[]}')).toEqual({
      outcome: 'chat-closed',
      chatId: 'c-1',
    });
  });

  it('answers a missing chat_id by row 5 and a malformed one by row 8', () => {
    expect(parseInboundEvent('{"event":"chat_closed"}')).toEqual({ outcome: 'missing', path: 'chat_id' });
    expect(parseInboundEvent('{"event":"chat_closed","chat_id":null}')).toEqual({
      outcome: 'missing',
      path: 'chat_id',
    });
    expect(parseInboundEvent('{"event":"chat_closed","chat_id":""}')).toEqual({
      outcome: 'malformed',
      path: 'chat_id',
      problem: 'must be an integer or a non-empty string of at most 255 characters, not a string',
    });
    expect(parseInboundEvent('{"event":"chat_closed","chat_id":"a\\u0000b"}')).toMatchObject({
      outcome: 'malformed',
      path: 'chat_id',
    });
  });

  it('leaves every other event as the seed answers it', () => {
    expect(parseInboundEvent('{"chat_id":1}')).toEqual({ outcome: 'missing', path: 'event' });
    expect(parseInboundEvent('{"event":"CHAT_CLOSED","chat_id":1}')).toEqual({ outcome: 'missing', path: 'visitor' });
  });
});
