const EXCERPT_CHARS = 300;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Text we store or send must be well-formed Unicode without NUL (PostgreSQL's text and jsonb refuse U+0000, jsonb
 * refuses lone surrogates): lone surrogates become U+FFFD, NUL is dropped, and a cut never splits a code point.
 */
export function wellFormedExcerpt(text: string, maxChars = EXCERPT_CHARS): string {
  const clean = text.replace(LONE_SURROGATE, '\ufffd').replaceAll('\u0000', '');
  const points = Array.from(clean);
  return points.length > maxChars ? `${points.slice(0, maxChars).join('')}…` : clean;
}
