import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { codePoints, plainText, splitText } from './reply-format.js';

describe('plainText', () => {
  it('keeps the words of emphasis, headings and quotes, and the URL of a link', () => {
    expect(plainText('# Hi **there**\n\nSee [the docs](https://x.io/a?b=1) and `npm test`.')).toBe(
      'Hi there\n\nSee the docs (https://x.io/a?b=1) and npm test.',
    );
    expect(plainText('<https://x.io> or [https://y.io](https://y.io)')).toBe('https://x.io or https://y.io');
    expect(plainText('> *quoted* ~~old~~ text')).toBe('quoted old text');
    expect(plainText('![a cat](https://x.io/cat.png)')).toBe('a cat (https://x.io/cat.png)');
  });

  it('writes lists and code blocks as plain lines', () => {
    expect(plainText('- one\n- **two**\n\n1. first\n2. second')).toBe('- one\n- two\n\n1. first\n2. second');
    expect(plainText('```js\nconst a = 1;\n```')).toBe('const a = 1;');
    expect(plainText('a\\*b\\* stays')).toBe('a*b* stays');
  });

  it('leaves plain text as it is', () => {
    expect(plainText('Just a sentence, nothing to strip.')).toBe('Just a sentence, nothing to strip.');
  });
});

describe('splitText', () => {
  it('splits at word boundaries, dropping the whitespace between parts', () => {
    expect(splitText('hello world foo bar', 11)).toEqual(['hello world', 'foo bar']);
    expect(splitText('short', 10)).toEqual(['short']);
    expect(splitText('one two three', 3)).toEqual(['one', 'two', 'thr', 'ee']);
  });

  it('never cuts a surrogate pair or a grapheme cluster', () => {
    const family = '👨‍👩‍👧'; // one grapheme, 5 code points
    expect(splitText(`${family}${family}`, 5)).toEqual([family, family]);
    expect(splitText('😀😀😀', 2)).toEqual(['😀😀', '😀']);
    expect(splitText('éé', 1)).toEqual(['é', 'é']);
    expect(splitText(family, 2)).toEqual([family]);
  });

  it('property: a text within the limit is one part; else parts are within it (unless one grapheme is longer), non-empty, and rebuild the words', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.integer({ min: 1, max: 40 }), (text, max) => {
        const parts = splitText(text, max);
        if (codePoints(text) <= max) return expect(parts).toEqual([text]);
        const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
        for (const part of parts) {
          expect(part.length).toBeGreaterThan(0);
          const longestGrapheme = Math.max(...Array.from(segmenter.segment(part), (g) => codePoints(g.segment)));
          if (codePoints(part) > max) expect(longestGrapheme).toBeGreaterThan(max);
        }
        expect(parts.join('').replace(/\s+/g, '')).toBe(text.replace(/\s+/g, ''));
      }),
    );
  });
});
