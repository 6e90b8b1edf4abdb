/**
 * What a channel's client server accepts beyond the seed's protocol (docs/protocol.md, "Extensions"). Every one is off
 * by default, so a client server that speaks only the seed's protocol sees no change.
 * - `files`: `link` sends a reply's file as its URL in an `operator` text (the seed's "files as links"); `file` sends
 *   it as a `file_operator` message with `data: {url, name, media_type}`.
 * - `maxMessageLength`: null sends a text reply whole; a number (1 to 65536, in code points) splits a longer one into
 *   several messages at word boundaries, in order, each with its own id.
 * - `markdown`: `pass` sends text as the Agent wrote it; `strip` converts Markdown to plain text (links keep their
 *   URL), buttons' labels too.
 * - `redirectChat`, `closeChat`: whether the Agent's `redirect` and `close` actions are sent (`POST redirect_chat`,
 *   `POST close_chat`); when off, such an action is recorded as `skipped` with the reason, and the chat goes on.
 */
export interface ChannelCapabilities {
  files: 'link' | 'file';
  maxMessageLength: number | null;
  markdown: 'pass' | 'strip';
  redirectChat: boolean;
  closeChat: boolean;
}

export const FILE_MODES = ['link', 'file'] as const;
export const MARKDOWN_MODES = ['pass', 'strip'] as const;
export const MAX_MESSAGE_LENGTH_LIMIT = 65_536;

export const DEFAULT_CAPABILITIES: Readonly<ChannelCapabilities> = Object.freeze({
  files: 'link',
  maxMessageLength: null,
  markdown: 'pass',
  redirectChat: false,
  closeChat: false,
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
    redirectChat: own.redirectChat === true,
    closeChat: own.closeChat === true,
  };
}
