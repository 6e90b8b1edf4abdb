import { describe, expect, it } from '@jest/globals';
import { AppError } from './app-error.js';
import { ErrorCode } from './error-code.js';
import { PathIdPipe, anyText } from './path-params.js';

const notFound = (): AppError => new AppError(ErrorCode.NOT_FOUND, 'Thing not found.');
const uuidPipe = new PathIdPipe(
  (value) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(value),
  notFound,
);
const textPipe = new PathIdPipe(anyText, notFound);

describe('PathIdPipe', () => {
  it('passes a well-formed id through', () => {
    expect(uuidPipe.transform('5b0c0f5e-8d6a-4a53-9a43-6f0d3a1f2b7c')).toBe('5b0c0f5e-8d6a-4a53-9a43-6f0d3a1f2b7c');
    expect(textPipe.transform('chat 1042 😀')).toBe('chat 1042 😀');
  });

  it.each(['not-a-uuid', '-'.repeat(36), '', '5b0c0f5e-8d6a-4a53-9a43-6f0d3a1f2b7c\u0000'])(
    'answers %j as an unknown id',
    (value) => {
      expect(() => uuidPipe.transform(value)).toThrow('Thing not found.');
    },
  );

  it.each(['a\u0000b', '\ud83d', 'x\ude00'])('answers text breaking the text rule, %j, as an unknown id', (value) => {
    expect(() => textPipe.transform(value)).toThrow('Thing not found.');
  });
});
