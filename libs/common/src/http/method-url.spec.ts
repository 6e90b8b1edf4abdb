import { describe, expect, it } from '@jest/globals';
import { methodUrl } from './method-url.js';

describe('methodUrl', () => {
  it.each([
    ['https://c.example/hooks?k=1', 'https://c.example/hooks/send_message?k=1'],
    ['https://c.example/hooks/', 'https://c.example/hooks/send_message'],
    ['https://c.example', 'https://c.example/send_message'],
    ['https://c.example/', 'https://c.example/send_message'],
    ['https://c.example/a/b//?x=1&y=2#frag', 'https://c.example/a/b/send_message?x=1&y=2#frag'],
  ])('%s → %s', (base, expected) => {
    expect(methodUrl(base, 'send_message')).toBe(expected);
  });
});
