import { describe, expect, it } from '@jest/globals';
import type { FieldError } from '#common';
import { draftsFor, parseAgentAnswer, readReply } from './replies.js';

describe('parseAgentAnswer', () => {
  it('reads the documented answer, ignoring unknown keys', () => {
    const replies = parseAgentAnswer(
      JSON.stringify({
        replies: [
          { text: 'Hi' },
          {
            buttons: [
              [
                { id: '1', text: 'Yes' },
                { id: 2, text: 'No' },
              ],
            ],
            mood: 'happy',
          },
          { file: { url: 'https://f.example/a.pdf', name: 'a.pdf' } },
        ],
        trace: 'x',
      }),
    );
    expect(replies).toEqual([
      { text: 'Hi' },
      {
        buttons: [
          [
            { id: '1', text: 'Yes' },
            { id: '2', text: 'No' },
          ],
        ],
      },
      { file: { url: 'https://f.example/a.pdf', name: 'a.pdf' } },
    ]);
    expect(parseAgentAnswer('{"replies":[]}')).toEqual([]);
  });

  it.each([
    ['not json', 'not JSON'],
    ['[]', 'without a "replies" array'],
    ['{"replies":{}}', 'without a "replies" array'],
    ['{"replies":[{}]}', 'replies[0] must have at least one of text, buttons or file'],
    ['{"replies":[{"text":5}]}', 'replies[0].text must be a string'],
    ['{"replies":[{"text":"a"},{"buttons":[]}]}', 'replies[1].buttons must be 1 to 50 rows'],
    ['{"replies":[{"buttons":[[{"id":"1"}]]}]}', 'replies[0].buttons[0][0] must be'],
    ['{"replies":[{"file":{"url":"ftp://x/y"}}]}', 'replies[0].file.url must be an absolute http(s) URL'],
    ['{"replies":["hello"]}', 'replies[0] must be an object'],
    ['{"replies":[{"text":"a\\u0000b"}]}', 'replies[0].text must not contain NUL'],
    ['{"replies":[{"buttons":[[{"id":"1","text":"\\u0000"}]]}]}', 'replies[0].buttons[0][0] must be'],
    ['{"replies":[{"file":{"url":"https://f.example/\\u0000"}}]}', 'replies[0].file.url must not contain NUL'],
  ])('rejects %s', (body, message) => {
    expect(() => parseAgentAnswer(body)).toThrow(message);
  });
});

describe('readReply', () => {
  it('collects every problem with its path', () => {
    const problems: FieldError[] = [];
    readReply({ text: 1, file: { url: 'x' } }, '', problems);
    expect(problems.map((problem) => problem.field)).toEqual(['text', 'file.url']);
  });
});

describe('draftsFor', () => {
  it('turns each reply into operator and keyboard messages, in order: text, file link, keyboard', () => {
    expect(
      draftsFor([
        { text: 'Pick one', buttons: [[{ id: '1', text: 'Yes' }]] },
        { file: { url: 'https://f.example/a.pdf', name: 'a.pdf' }, text: 'Here it is' },
        { text: '' },
      ]),
    ).toEqual([
      { kind: 'operator', text: 'Pick one', buttons: null, payload: null },
      { kind: 'keyboard', text: null, buttons: [[{ id: '1', text: 'Yes' }]], payload: null },
      { kind: 'operator', text: 'Here it is', buttons: null, payload: null },
      {
        kind: 'operator',
        text: 'https://f.example/a.pdf',
        buttons: null,
        payload: { file: { url: 'https://f.example/a.pdf', name: 'a.pdf' } },
      },
      { kind: 'operator', text: '', buttons: null, payload: null },
    ]);
  });
});
