import { describe, expect, it } from '@jest/globals';
import { MAX_INPUT_DEPTH, createValidationPipe, inputProblems } from './validation.js';

const nested = (levels: number): unknown => JSON.parse(`${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`);

describe('inputProblems', () => {
  it('passes well-formed input, emoji and all', () => {
    expect(inputProblems({ name: 'Acme 😀', tags: ['ü', { id: 1, ok: true, none: null }] })).toEqual([]);
    expect(inputProblems('plain')).toEqual([]);
    expect(inputProblems(undefined)).toEqual([]);
  });

  it('names every string that breaks the text rule, with its path', () => {
    expect(
      inputProblems({
        name: 'a\u0000b',
        buttons: [
          [
            { id: '1', text: 'ok' },
            { id: '2', text: '\ud83d' },
          ],
        ],
        file: { name: '\ude00x' },
      }),
    ).toEqual([
      { field: 'name', message: 'name must not contain NUL (\\u0000) characters' },
      {
        field: 'buttons[0][1].text',
        message: 'buttons[0][1].text must be well-formed Unicode (it contains half of a surrogate pair)',
      },
      { field: 'file.name', message: 'file.name must be well-formed Unicode (it contains half of a surrogate pair)' },
    ]);
  });

  it('checks property names too, without echoing the bad character', () => {
    expect(inputProblems({ file: { 'x\ud800': 1 } })).toEqual([
      {
        field: 'file',
        message: 'file: property names must be well-formed Unicode (it contains half of a surrogate pair)',
      },
    ]);
    expect(inputProblems({ '\u0000': 1 })).toEqual([
      { field: 'body', message: 'body: property names must not contain NUL (\\u0000) characters' },
    ]);
  });

  it(`allows ${MAX_INPUT_DEPTH} levels and refuses one more, naming the outermost field`, () => {
    expect(inputProblems({ file: nested(MAX_INPUT_DEPTH - 1) })).toEqual([]);
    expect(inputProblems(nested(MAX_INPUT_DEPTH))).toEqual([]);
    expect(inputProblems({ file: nested(MAX_INPUT_DEPTH) })).toEqual([
      { field: 'file', message: 'file is nested more than 32 levels deep' },
    ]);
    expect(inputProblems(nested(MAX_INPUT_DEPTH + 1))).toEqual([
      { field: 'a', message: 'a is nested more than 32 levels deep' },
    ]);
  });

  it('walks 100,000 levels without recursion', () => {
    expect(inputProblems({ x: nested(100_000) })).toEqual([
      { field: 'x', message: 'x is nested more than 32 levels deep' },
    ]);
  });

  it('names at most ten problems', () => {
    expect(inputProblems(Array.from({ length: 1000 }, () => '\u0000'))).toHaveLength(10);
  });
});

describe('the global validation pipe', () => {
  const pipe = createValidationPipe();

  it('refuses bodies and query strings that break the input rules, before any DTO is built', async () => {
    for (const type of ['body', 'query'] as const) {
      await expect(pipe.transform({ text: 'a\u0000' }, { type, metatype: Object })).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
        message: 'The request is invalid: check text.',
        details: [{ field: 'text', message: 'text must not contain NUL (\\u0000) characters' }],
      });
    }
  });

  it('leaves path parameters to their own pipes', async () => {
    await expect(pipe.transform('a\u0000', { type: 'param', metatype: String, data: 'id' })).resolves.toBe('a\u0000');
  });

  it('caps the details at ten, however many bad property names one object has', () => {
    const body = Object.fromEntries(Array.from({ length: 5000 }, (_, n) => [`k${n}\u0000`, 1]));
    expect(inputProblems(body)).toHaveLength(10);
  });
});
