const EXCERPT_CHARS = 300;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

/**
 * The one text rule for everything we store or send: well-formed Unicode without NUL. PostgreSQL's text and jsonb
 * refuse U+0000, jsonb refuses lone surrogates, and JSON.stringify would send a lone surrogate as an escape that
 * strict peers reject. Returns what is wrong with `text`, or null when it follows the rule.
 */
export function textProblem(text: string): string | null {
  if (text.includes('\u0000')) return 'must not contain NUL (\\u0000) characters';
  if (LONE_SURROGATE.test(text)) return 'must be well-formed Unicode (it contains half of a surrogate pair)';
  return null;
}

/** True when `text` follows the text rule (see textProblem). */
export function isWellFormedText(text: string): boolean {
  return textProblem(text) === null;
}

/** Makes any text follow the rule: lone surrogates become U+FFFD and NUL is dropped. */
export function scrubText(text: string): string {
  return text.replace(LONE_SURROGATES, '\ufffd').replaceAll('\u0000', '');
}

/** A scrubbed excerpt for error records and logs: a cut never splits a code point. */
export function wellFormedExcerpt(text: string, maxChars = EXCERPT_CHARS): string {
  const points = Array.from(scrubText(text));
  return points.length > maxChars ? `${points.slice(0, maxChars).join('')}…` : points.join('');
}
