import { describe, expect, it } from '@jest/globals';
import { decodeCursor, encodeCursor } from './page-cursor.js';

describe('page cursors', () => {
  it('round-trip a position exactly', () => {
    const position = { micros: '1795466444372123', id: '5b0c0f5e-8d6a-4a53-9a43-6f0d3a1f2b7c' };
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
  });

  it.each([
    '',
    'garbage',
    Buffer.from('12:not-a-uuid').toString('base64url'),
    Buffer.from('1; DROP TABLE chats:x').toString('base64url'),
  ])('refuse %j with a validation error', (cursor) => {
    expect(() => decodeCursor(cursor)).toThrow('check cursor');
  });
});
