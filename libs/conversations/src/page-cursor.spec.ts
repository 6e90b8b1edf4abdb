import { describe, expect, it } from '@jest/globals';
import { decodeCursor, encodeCursor } from './page-cursor.js';

const UUID = '5b0c0f5e-8d6a-4a53-9a43-6f0d3a1f2b7c';
const cursor = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');

describe('page cursors', () => {
  it('round-trip a position exactly', () => {
    const position = { micros: '1795466444372123', id: UUID };
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
  });

  it('accept the ends of the range', () => {
    expect(decodeCursor(cursor(`0:${UUID}`))).toEqual({ micros: '0', id: UUID });
    expect(decodeCursor(cursor(`${Number.MAX_SAFE_INTEGER}:${UUID}`)).micros).toBe('9007199254740991');
  });

  it.each([
    ['', 'nextCursor value from a previous page'],
    ['garbage', 'nextCursor value from a previous page'],
    ['%00', 'nextCursor value from a previous page'],
    [cursor('12:not-a-uuid'), 'its row id is not a uuid'],
    [cursor('1; DROP TABLE chats:x'), 'nextCursor value from a previous page'],
    [cursor(`9999999999999999999:${UUID}`), 'its position is out of range'],
    [cursor(`9223372036854775807:${UUID}`), 'its position is out of range'],
    [cursor(`9007199254740992:${UUID}`), 'its position is out of range'],
    [cursor('1:------------------------------------'), 'its row id is not a uuid'],
    [cursor(`1:${UUID.toUpperCase()}x`), 'its row id is not a uuid'],
    [cursor(`-1:${UUID}`), 'nextCursor value from a previous page'],
    [cursor(`1:${UUID}\n`), 'its row id is not a uuid'],
  ])('refuse %j with a validation error naming cursor', (value, message) => {
    expect(() => decodeCursor(value)).toThrow('check cursor');
    try {
      decodeCursor(value);
    } catch (error) {
      expect((error as { details: unknown }).details).toEqual([
        { field: 'cursor', message: expect.stringContaining(message) },
      ]);
    }
  });
});
