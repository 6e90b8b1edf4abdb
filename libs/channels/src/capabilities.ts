/**
 * What a channel's client server accepts beyond the seed's protocol (docs/protocol.md, "Extensions"). Every one is off
 * by default, so a client server that speaks only the seed's protocol sees no change.
 * - `files`: `link` sends a reply's file as its URL in an `operator` text (the seed's "files as links"); `file` sends
 *   it as a `file_operator` message with `data: {url, name, media_type}`.
 * - `maxMessageLength`: null sends a text reply whole; a number (1 to 65536, in code points) splits a longer one into
 *   several messages at word boundaries, in order, each with its own id.
 * - `markdown`: `pass` sends text as the Agent wrote it; `strip` converts Markdown to plain text (links keep their
 *   URL), buttons' labels too.
 */
export interface ChannelCapabilities {
  files: 'link' | 'file';
  maxMessageLength: number | null;
  markdown: 'pass' | 'strip';
}

export const FILE_MODES = ['link', 'file'] as const;
export const MARKDOWN_MODES = ['pass', 'strip'] as const;
export const MAX_MESSAGE_LENGTH_LIMIT = 65_536;

export const DEFAULT_CAPABILITIES: Readonly<ChannelCapabilities> = Object.freeze({
  files: 'link',
  maxMessageLength: null,
  markdown: 'pass',
});

/** The capabilities in force: what the channel set, over the defaults (anything stored that is not known is dropped). */
export function capabilitiesOf(stored: Partial<ChannelCapabilities> | null | undefined): ChannelCapabilities {
  const own = stored ?? {};
  return {
    files: own.files === 'file' ? 'file' : 'link',
    maxMessageLength:
      typeof own.maxMessageLength === 'number' &&
      Number.isInteger(own.maxMessageLength) &&
      own.maxMessageLength >= 1 &&
      own.maxMessageLength <= MAX_MESSAGE_LENGTH_LIMIT
        ? own.maxMessageLength
        : null,
    markdown: own.markdown === 'strip' ? 'strip' : 'pass',
  };
}
