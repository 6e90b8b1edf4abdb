import { describe, expect, it } from '@jest/globals';
import type { FieldError } from '#common';
import { draftsFor, parseAgentAnswer, readReply } from './replies.js';

describe('parseAgentAnswer', () => {
  it('reads the documented answer, ignoring unknown keys', () => {
    const { replies, actions } = parseAgentAnswer(
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
    expect(actions).toEqual([]);
    expect(parseAgentAnswer('{"replies":[]}')).toEqual({ replies: [], actions: [] });
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
    ['{"replies":[{"buttons":[[{"id":"1","text":"\\u0000"}]]}]}', 'replies[0].buttons[0][0].text must not contain NUL'],
    ['{"replies":[{"file":{"url":"https://f.example/\\u0000"}}]}', 'replies[0].file.url must not contain NUL'],
  ])('rejects %s', (body, message) => {
    expect(() => parseAgentAnswer(body)).toThrow(message);
  });

  const HALF = 'must be well-formed Unicode (it contains half of a surrogate pair)';
  const NUL = 'must not contain NUL (\\u0000) characters';

  it.each([
    ['a high surrogate alone in a text', { text: 'half \ud83d' }, `replies[0].text ${HALF}`],
    ['a low surrogate alone in a text', { text: '\ude00 half' }, `replies[0].text ${HALF}`],
    ['a lone surrogate in a file URL', { file: { url: 'https://f.example/\ud83d' } }, `replies[0].file.url ${HALF}`],
    [
      'a lone surrogate in a file name',
      { file: { url: 'https://f.example/a', name: 'a\ud83d' } },
      `replies[0].file.name ${HALF}`,
    ],
    ['a NUL in a file name', { file: { url: 'https://f.example/a', name: 'a\u0000' } }, `replies[0].file.name ${NUL}`],
    [
      'a lone surrogate in a button label',
      { buttons: [[{ id: '1', text: '\ud83d' }]] },
      `replies[0].buttons[0][0].text ${HALF}`,
    ],
    ['a NUL in a button id', { buttons: [[{ id: '1\u0000', text: 'Yes' }]] }, `replies[0].buttons[0][0].id ${NUL}`],
  ])('an answer with %s is invalid, naming the field and the rule', (_name, reply, message) => {
    // As the runtime sends it: JSON.stringify writes a lone surrogate as a \\u escape, which JSON.parse restores.
    expect(() => parseAgentAnswer(JSON.stringify({ replies: [reply] }))).toThrow(
      `The Agent runtime answered with an invalid reply: ${message}`,
    );
  });

  it('keeps a well-formed pair and other text as sent', () => {
    expect(parseAgentAnswer(JSON.stringify({ replies: [{ text: '😀 \ud83d\ude00 ü' }] })).replies).toEqual([
      { text: '😀 😀 ü' },
    ]);
  });
});

describe('actions', () => {
  it('reads redirect (to an operator, a department or the general queue) and close, in order', () => {
    const { actions } = parseAgentAnswer(
      JSON.stringify({
        replies: [],
        actions: [
          { type: 'redirect', operatorId: '42' },
          { type: 'redirect', departmentKey: 'sales', extra: 1 },
          { type: 'redirect', operatorId: null },
          { type: 'close' },
        ],
      }),
    );
    expect(actions).toEqual([
      { type: 'redirect', operatorId: '42' },
      { type: 'redirect', departmentKey: 'sales' },
      { type: 'redirect' },
      { type: 'close' },
    ]);
  });

  it.each([
    [{ actions: {} }, '"actions" that is not an array'],
    [{ actions: Array.from({ length: 11 }, () => ({ type: 'close' })) }, 'more than 10 actions'],
    [{ actions: [{ type: 'transfer' }] }, 'invalid action: actions[0] must be {"type": "redirect" or "close"}'],
    [{ actions: [{ type: 'redirect', operatorId: 42 }] }, 'actions[0].operatorId must be a non-empty string'],
    [{ actions: [{ type: 'redirect', operatorId: '1', departmentKey: 'x' }] }, 'not both'],
    [{ actions: [{ type: 'redirect', departmentKey: '\u0000' }] }, 'actions[0].departmentKey must not contain NUL'],
  ])('refuses %j', (extra, message) => {
    expect(() => parseAgentAnswer(JSON.stringify({ replies: [], ...extra }))).toThrow(message);
  });

  it('drafts an action after the replies: queued when the channel accepts it, else skipped with the reason', () => {
    const on = {
      files: 'link',
      maxMessageLength: null,
      markdown: 'pass',
      redirectChat: true,
      closeChat: false,
    } as const;
    expect(draftsFor([{ text: 'Bye' }], on, [{ type: 'redirect', operatorId: '7' }, { type: 'close' }])).toEqual([
      { kind: 'operator', text: 'Bye', buttons: null, payload: null },
      { kind: 'redirect', text: null, buttons: null, payload: { operatorId: '7' }, status: 'queued', lastError: null },
      {
        kind: 'close',
        text: null,
        buttons: null,
        payload: {},
        status: 'skipped',
        lastError: 'Not sent: the channel does not accept close_chat (capabilities.closeChat is off)',
      },
    ]);
  });
});

describe('readReply', () => {
  it('collects every problem with its path', () => {
    const problems: FieldError[] = [];
    readReply({ text: 1, file: { url: 'x', name: '\u0000' }, buttons: [[{ id: '1', text: '\ude00' }]] }, '', problems);
    expect(problems.map((problem) => problem.field)).toEqual(['text', 'buttons[0][0].text', 'file.url', 'file.name']);
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
