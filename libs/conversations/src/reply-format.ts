import { Lexer, type Token, type Tokens } from 'marked';

/**
 * Markdown as plain text, for a channel with `markdown: "strip"`: parsed by marked (CommonMark and GFM), then
 * written back without markup. Emphasis, headings and quotes keep their words; a link keeps its URL
 * (`text (url)`, or the URL alone when the text is the URL); an image is its alt text and URL; code keeps its text;
 * list items start with `- ` (or their number); blocks are separated by a blank line. Raw HTML is kept as written:
 * it is text to a client that does not render it.
 */
export function plainText(markdown: string): string {
  const tokens = new Lexer({ gfm: true }).lex(markdown);
  return blocks(tokens).trim();
}

function blocks(tokens: readonly Token[]): string {
  return tokens
    .map((token) => block(token))
    .filter((text) => text !== '')
    .join('\n\n');
}

function block(token: Token): string {
  switch (token.type) {
    case 'space':
    case 'hr':
      return '';
    case 'heading':
    case 'paragraph':
      return inline((token as Tokens.Heading | Tokens.Paragraph).tokens);
    case 'text': {
      const text = token as Tokens.Text;
      return text.tokens ? inline(text.tokens) : text.text;
    }
    case 'code':
      return (token as Tokens.Code).text;
    case 'blockquote':
      return blocks((token as Tokens.Blockquote).tokens);
    case 'list': {
      const list = token as Tokens.List;
      const start = typeof list.start === 'number' ? list.start : 1;
      return list.items
        .map((item, index) => `${list.ordered ? `${start + index}.` : '-'} ${blocks(item.tokens).replace(/\n+/g, ' ')}`)
        .join('\n');
    }
    case 'table': {
      const table = token as Tokens.Table;
      const row = (cells: Tokens.TableCell[]): string => cells.map((cell) => inline(cell.tokens)).join(' | ');
      return [row(table.header), ...table.rows.map(row)].join('\n');
    }
    case 'html':
      return (token as Tokens.HTML).text.trim();
    default:
      return 'tokens' in token && Array.isArray(token.tokens) ? inline(token.tokens) : (token.raw ?? '');
  }
}

function inline(tokens: readonly Token[] | undefined): string {
  return (tokens ?? []).map((token) => inlineOne(token)).join('');
}

function inlineOne(token: Token): string {
  switch (token.type) {
    case 'link': {
      const link = token as Tokens.Link;
      const text = inline(link.tokens);
      return text === '' || text === link.href ? link.href : `${text} (${link.href})`;
    }
    case 'image': {
      const image = token as Tokens.Image;
      return image.text ? `${image.text} (${image.href})` : image.href;
    }
    case 'codespan':
      return (token as Tokens.Codespan).text;
    case 'br':
      return '\n';
    case 'escape':
      return (token as Tokens.Escape).text;
    case 'text': {
      const text = token as Tokens.Text;
      return text.tokens ? inline(text.tokens) : text.text;
    }
    case 'html':
      return (token as Tokens.Tag).text;
    default:
      return 'tokens' in token && Array.isArray(token.tokens) ? inline(token.tokens) : (token.raw ?? '');
  }
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const words = new Intl.Segmenter(undefined, { granularity: 'word' });

/** Length as `maxMessageLength` counts it: Unicode code points (a surrogate pair is one). */
export function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

/**
 * Splits `text` into parts of at most `max` code points, in order, at word boundaries where it can: a part ends
 * before a word that would not fit (the whitespace between parts is dropped), and only a word longer than `max`
 * is cut, between two graphemes (never inside a character, a surrogate pair or a grapheme cluster). A single
 * grapheme longer than `max` (a long emoji sequence under a tiny limit) is a part of its own, whole. Joined with
 * the dropped whitespace, the parts are the text.
 */
export function splitText(text: string, max: number): string[] {
  if (codePoints(text) <= max) return [text];
  const parts: string[] = [];
  let current = '';
  let currentLength = 0;
  const flush = (): void => {
    const trimmed = current.trim();
    if (trimmed !== '') parts.push(trimmed);
    current = '';
    currentLength = 0;
  };
  for (const { segment } of words.segment(text)) {
    const length = codePoints(segment);
    if (currentLength + length <= max) {
      current += segment;
      currentLength += length;
      continue;
    }
    if (segment.trim() === '') {
      // Whitespace that does not fit ends the part; it is not carried over.
      flush();
      continue;
    }
    if (length <= max) {
      flush();
      current = segment;
      currentLength = length;
      continue;
    }
    // A word longer than a part: filled grapheme by grapheme.
    for (const { segment: grapheme } of graphemes.segment(segment)) {
      const size = codePoints(grapheme);
      if (currentLength + size > max && currentLength > 0) flush();
      current += grapheme;
      currentLength += size;
    }
  }
  flush();
  return parts;
}
