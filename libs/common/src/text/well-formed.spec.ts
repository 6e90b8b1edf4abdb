import { describe, expect, it } from '@jest/globals';
import { isWellFormedText, textProblem, wellFormedExcerpt } from './well-formed.js';

describe('wellFormedExcerpt', () => {
  it('replaces lone surrogates and drops NUL, keeping pairs', () => {
    expect(wellFormedExcerpt('a\ud83d b\ude00 c😀 d\u0000e')).toBe('a\ufffd b\ufffd c😀 de');
  });

  it('cuts on code points, never inside a pair', () => {
    expect(wellFormedExcerpt('😀😀😀', 2)).toBe('😀😀…');
    expect(wellFormedExcerpt('ab', 2)).toBe('ab');
  });
});

describe('textProblem', () => {
  it('accepts well-formed text, pairs included', () => {
    expect(textProblem('plain, 😀, \ud83d\ude00')).toBeNull();
    expect(isWellFormedText('')).toBe(true);
  });

  it('names NUL and lone surrogates, wherever they sit', () => {
    for (const text of ['a\u0000', '\u0000']) expect(textProblem(text)).toMatch(/NUL/);
    for (const text of ['\ud83d', 'x\ud83d', '\ude00x', 'dup-\ud800', '\ude00\ud83d'])
      expect(textProblem(text)).toMatch(/surrogate/);
  });
});
