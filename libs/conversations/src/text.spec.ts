import { describe, expect, it } from '@jest/globals';
import { wellFormedExcerpt } from './text.js';

describe('wellFormedExcerpt', () => {
  it('replaces lone surrogates and drops NUL, keeping pairs', () => {
    expect(wellFormedExcerpt('a\ud83d b\ude00 c😀 d\u0000e')).toBe('a\ufffd b\ufffd c😀 de');
  });

  it('cuts on code points, never inside a pair', () => {
    expect(wellFormedExcerpt('😀😀😀', 2)).toBe('😀😀…');
    expect(wellFormedExcerpt('ab', 2)).toBe('ab');
  });
});
