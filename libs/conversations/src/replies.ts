import { DEFAULT_CAPABILITIES, type ChannelCapabilities } from '#channels';
import { textProblem, type FieldError } from '#common';
import { plainText, splitText } from './reply-format.js';

export interface Button {
  id: string;
  text: string;
}

/** One reply of the Agent (protocol section 3), or one write-first request of the admin API: at least one part. */
export interface AgentReply {
  text?: string;
  buttons?: Button[][];
  file?: { url: string; name?: string; mediaType?: string };
}

/**
 * One of the Agent's actions (docs/protocol.md, Extensions): hand the chat over to a human (an operator, a
 * department, or with neither the general queue), or close it.
 */
export type AgentAction = { type: 'redirect'; operatorId?: string; departmentKey?: string } | { type: 'close' };

/** The Agent runtime's answer: replies, then actions, in the chat's order. */
export interface AgentAnswer {
  replies: AgentReply[];
  actions: AgentAction[];
}

/**
 * One request to the client server to be: a `send_message` (an `operator` text or link, a `file_operator` file, a
 * `keyboard`) or an action (`redirect`: `redirect_chat`, `close`: `close_chat`). An action the channel does not
 * accept is stored `skipped`, with the reason, and never sent.
 */
export interface OutboundDraft {
  kind: 'operator' | 'file_operator' | 'keyboard' | 'redirect' | 'close';
  text: string | null;
  buttons: Button[][] | null;
  payload: Record<string, unknown> | null;
  /** `queued` when absent. */
  status?: 'queued' | 'skipped';
  lastError?: string | null;
}

const TEXT_MAX_BYTES = 64 * 1024;
const URL_MAX = 4 * 1024;
const LABEL_MAX = 1024;
const MAX_ROWS = 50;
const MAX_BUTTONS_PER_ROW = 20;
export const MAX_REPLIES = 50;
export const MAX_ACTIONS = 10;
const ACTION_ID_MAX = 255;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function own(object: Json, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined;
}

function absent(value: unknown): boolean {
  return value === undefined || value === null;
}

/** The text rule (#common): PostgreSQL refuses NUL, jsonb refuses lone surrogates, and strict peers reject both. */
function stringProblem(value: unknown): string | null {
  return typeof value === 'string' ? textProblem(value) : 'must be a string';
}

const ABSOLUTE_URL = /^https?:\/\/\S+$/i;
/** type/subtype with RFC 6838's characters, at most 255 in all. */
const MEDIA_TYPE = /^(?=.{3,255}$)[A-Za-z0-9][\w!#$&^.+-]*\/[A-Za-z0-9][\w!#$&^.+-]*$/;

/** Checks one reply, collecting every problem with its path; unknown keys are ignored, as the protocol does. */
export function readReply(value: unknown, path: string, problems: FieldError[]): AgentReply | null {
  if (!isObject(value)) {
    problems.push({ field: path || 'body', message: 'must be an object with text, buttons or file' });
    return null;
  }
  const at = (key: string): string => (path ? `${path}.${key}` : key);
  const reply: AgentReply = {};
  const text = own(value, 'text');
  if (!absent(text)) {
    const problem =
      stringProblem(text) ??
      (Buffer.byteLength(text as string, 'utf8') > TEXT_MAX_BYTES ? 'must be at most 64 KiB' : null);
    if (problem) problems.push({ field: at('text'), message: problem });
    else reply.text = text as string;
  }
  const buttons = own(value, 'buttons');
  if (!absent(buttons)) {
    const rows = readButtons(buttons, at('buttons'), problems);
    if (rows) reply.buttons = rows;
  }
  const file = own(value, 'file');
  if (!absent(file)) {
    const read = readFile(file, at('file'), problems);
    if (read) reply.file = read;
  }
  if (absent(text) && absent(buttons) && absent(file))
    problems.push({ field: path || 'body', message: 'must have at least one of text, buttons or file' });
  return reply;
}

function readFile(value: unknown, path: string, problems: FieldError[]): AgentReply['file'] | null {
  if (!isObject(value)) {
    problems.push({ field: path, message: 'must be an object with a url' });
    return null;
  }
  const url = own(value, 'url');
  const name = own(value, 'name');
  const mediaType = own(value, 'mediaType');
  const urlProblem =
    typeof url === 'string' && ABSOLUTE_URL.test(url) && url.length <= URL_MAX
      ? textProblem(url)
      : 'must be an absolute http(s) URL of at most 4096 characters';
  if (urlProblem) problems.push({ field: `${path}.url`, message: urlProblem });
  const nameProblem = absent(name) ? null : stringProblem(name);
  if (nameProblem) problems.push({ field: `${path}.name`, message: nameProblem });
  const mediaTypeProblem =
    absent(mediaType) || (typeof mediaType === 'string' && MEDIA_TYPE.test(mediaType))
      ? null
      : 'must be a media type such as image/png';
  if (mediaTypeProblem) problems.push({ field: `${path}.mediaType`, message: mediaTypeProblem });
  if (urlProblem || nameProblem || mediaTypeProblem) return null;
  return {
    url: url as string,
    ...(typeof name === 'string' ? { name } : {}),
    ...(typeof mediaType === 'string' ? { mediaType } : {}),
  };
}

/** One action: `{"type": "redirect", "operatorId"?, "departmentKey"?}` (not both) or `{"type": "close"}`. */
export function readAction(value: unknown, path: string, problems: FieldError[]): AgentAction | null {
  const type = isObject(value) ? own(value, 'type') : undefined;
  if (!isObject(value) || (type !== 'redirect' && type !== 'close')) {
    problems.push({ field: path || 'action', message: 'must be {"type": "redirect" or "close"}' });
    return null;
  }
  if (type === 'close') return { type: 'close' };
  const at = (key: string): string => (path ? `${path}.${key}` : key);
  const action: { type: 'redirect'; operatorId?: string; departmentKey?: string } = { type: 'redirect' };
  const before = problems.length;
  for (const key of ['operatorId', 'departmentKey'] as const) {
    const field = own(value, key);
    if (absent(field)) continue;
    const problem =
      typeof field !== 'string' || field.length === 0 || field.length > ACTION_ID_MAX
        ? `must be a non-empty string of at most ${ACTION_ID_MAX} characters`
        : textProblem(field);
    if (problem) problems.push({ field: at(key), message: problem });
    else action[key] = field as string;
  }
  if (action.operatorId !== undefined && action.departmentKey !== undefined)
    problems.push({ field: path || 'action', message: 'takes operatorId or departmentKey, not both' });
  return problems.length === before ? action : null;
}

function readButtons(value: unknown, path: string, problems: FieldError[]): Button[][] | null {
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    value.length > MAX_ROWS ||
    !value.every((row) => Array.isArray(row) && row.length > 0 && row.length <= MAX_BUTTONS_PER_ROW)
  ) {
    problems.push({
      field: path,
      message: `must be 1 to ${MAX_ROWS} rows, each an array of 1 to ${MAX_BUTTONS_PER_ROW} buttons`,
    });
    return null;
  }
  const before = problems.length;
  const rows = (value as unknown[][]).map((row, r) =>
    row.map((button, b) => {
      const at = `${path}[${r}][${b}]`;
      const id = isObject(button) ? own(button, 'id') : undefined;
      const text = isObject(button) ? own(button, 'text') : undefined;
      const validId =
        (typeof id === 'string' && id.length > 0 && id.length <= 255) ||
        (typeof id === 'number' && Number.isSafeInteger(id));
      if (!validId || typeof text !== 'string' || text.length === 0 || text.length > LABEL_MAX)
        problems.push({ field: at, message: 'must be {"id": string or integer, "text": non-empty string}' });
      else {
        const idProblem = typeof id === 'string' ? textProblem(id) : null;
        if (idProblem) problems.push({ field: `${at}.id`, message: idProblem });
        const labelProblem = textProblem(text);
        if (labelProblem) problems.push({ field: `${at}.text`, message: labelProblem });
      }
      return { id: String(id), text: String(text) };
    }),
  );
  return problems.length === before ? rows : null;
}

/** The runtime's answer `{"replies": [...], "actions"?: [...]}`; throws a sentence naming the first problem. */
export function parseAgentAnswer(body: string): AgentAnswer {
  let root: unknown;
  try {
    root = JSON.parse(body);
  } catch {
    throw new Error('The Agent runtime answered with a body that is not JSON');
  }
  const replies = isObject(root) ? own(root, 'replies') : undefined;
  if (!Array.isArray(replies)) throw new Error('The Agent runtime answered without a "replies" array');
  if (replies.length > MAX_REPLIES) throw new Error(`The Agent runtime answered with more than ${MAX_REPLIES} replies`);
  const actions = isObject(root) ? own(root, 'actions') : undefined;
  if (!absent(actions) && !Array.isArray(actions))
    throw new Error('The Agent runtime answered with "actions" that is not an array');
  const actionList = Array.isArray(actions) ? (actions as unknown[]) : [];
  if (actionList.length > MAX_ACTIONS)
    throw new Error(`The Agent runtime answered with more than ${MAX_ACTIONS} actions`);
  const problems: FieldError[] = [];
  const read = replies.map((reply, index) => readReply(reply, `replies[${index}]`, problems));
  const readActions = actionList.map((action, index) => readAction(action, `actions[${index}]`, problems));
  if (problems.length > 0)
    throw new Error(
      `The Agent runtime answered with an invalid ${problems[0].field.startsWith('actions') ? 'action' : 'reply'}: ${problems[0].field} ${problems[0].message}`,
    );
  return { replies: read as AgentReply[], actions: readActions as AgentAction[] };
}

/**
 * Protocol section 2: the text, then the file, then the keyboard, each shaped by what the channel accepts
 * (docs/protocol.md, Extensions): Markdown stripped to plain text (`markdown: "strip"`, buttons' labels too); a text
 * longer than `maxMessageLength` sent as several messages, in order; a file as a `file_operator` message
 * (`files: "file"`) or, as the seed does, as its link in a text.
 */
export function draftsFor(
  replies: readonly AgentReply[],
  capabilities: ChannelCapabilities = DEFAULT_CAPABILITIES,
  actions: readonly AgentAction[] = [],
): OutboundDraft[] {
  return [...replyDrafts(replies, capabilities), ...actions.map((action) => actionDraft(action, capabilities))];
}

/**
 * An action after the replies of its answer: queued when the channel accepts it, else stored `skipped` with the
 * reason (never sent; the chat goes on).
 */
function actionDraft(action: AgentAction, capabilities: ChannelCapabilities): OutboundDraft {
  const refusal = actionRefusal(action.type, capabilities);
  const { type, ...parameters } = action;
  return {
    kind: type,
    text: null,
    buttons: null,
    payload: parameters,
    status: refusal === null ? 'queued' : 'skipped',
    lastError: refusal,
  };
}

/**
 * Why the channel does not take an action of this type, or null when it does: checked when the action is stored and
 * again when it is to be sent (a capability switched off meanwhile skips it then).
 */
export function actionRefusal(type: AgentAction['type'], capabilities: ChannelCapabilities): string | null {
  const [accepted, method, capability] =
    type === 'redirect'
      ? [capabilities.redirectChat, 'redirect_chat', 'redirectChat']
      : [capabilities.closeChat, 'close_chat', 'closeChat'];
  return accepted ? null : `Not sent: the channel does not accept ${method} (capabilities.${capability} is off)`;
}

function replyDrafts(replies: readonly AgentReply[], capabilities: ChannelCapabilities): OutboundDraft[] {
  const shaped = (text: string): string => (capabilities.markdown === 'strip' ? plainText(text) : text);
  return replies.flatMap((reply) => [
    ...(reply.text !== undefined ? textParts(shaped(reply.text), capabilities.maxMessageLength) : []).map((text) => ({
      kind: 'operator' as const,
      text,
      buttons: null,
      payload: null,
    })),
    ...(reply.file
      ? [
          capabilities.files === 'file'
            ? { kind: 'file_operator' as const, text: null, buttons: null, payload: { file: reply.file } }
            : { kind: 'operator' as const, text: reply.file.url, buttons: null, payload: { file: reply.file } },
        ]
      : []),
    ...(reply.buttons
      ? [
          {
            kind: 'keyboard' as const,
            text: null,
            buttons:
              capabilities.markdown === 'strip'
                ? reply.buttons.map((row) =>
                    row.map((button) => ({ ...button, text: plainText(button.text) || button.text })),
                  )
                : reply.buttons,
            payload: null,
          },
        ]
      : []),
  ]);
}

/** The text whole, or split when the channel has a limit; a text that is only whitespace past the limit is not sent. */
function textParts(text: string, max: number | null): string[] {
  return max === null ? [text] : splitText(text, max);
}
