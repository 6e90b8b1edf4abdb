import { textProblem } from '#common';
import {
  MESSAGE_KINDS,
  VISITOR_FIELDS,
  type InboundEvent,
  type MessageKind,
  type ParsedEvent,
} from './inbound-event.js';

const ID_MAX = 255;
const TEXT_MAX_BYTES = 64 * 1024;
const URL_MAX = 4 * 1024;
const FIELD_MAX = 1024;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function absent(value: unknown): boolean {
  return value === undefined || value === null;
}

/** Reads a property without ever touching the prototype chain (`__proto__`, `constructor` are plain keys here). */
function own(object: unknown, key: string): unknown {
  return isObject(object) && Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined;
}

function quoted(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}

class Malformed {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {}
}

/**
 * Every string we keep follows the text rule (well-formed Unicode, no NUL): PostgreSQL cannot store U+0000, jsonb
 * refuses lone surrogates, and text would silently turn them into U+FFFD, making distinct ids collide. Such a
 * string is malformed input (row 8), found here before any database call, never a failure (row 12).
 */
function string(value: unknown, path: string, max: number, unit: 'characters' | 'bytes' = 'characters'): string {
  if (typeof value !== 'string') throw new Malformed(path, `must be a string, not ${typeName(value)}`);
  const problem = textProblem(value);
  if (problem !== null) throw new Malformed(path, problem);
  const size = unit === 'bytes' ? Buffer.byteLength(value, 'utf8') : value.length;
  if (size > max)
    throw new Malformed(path, `must be at most ${unit === 'bytes' ? `${max / 1024} KiB` : `${max} characters`}`);
  return value;
}

function optionalString(value: unknown, path: string, max: number): string | undefined {
  return absent(value) ? undefined : string(value, path, max);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a float';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

function chatId(value: unknown): number | string {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'string' && value.length > 0 && value.length <= ID_MAX) return string(value, 'chat_id', ID_MAX);
  throw new Malformed(
    'chat_id',
    `must be an integer or a non-empty string of at most ${ID_MAX} characters, not ${typeName(value)}`,
  );
}

function visitorFields(value: unknown): Record<string, string> {
  if (absent(value)) return {};
  if (!isObject(value)) throw new Malformed('visitor.fields', `must be an object, not ${typeName(value)}`);
  const fields: Record<string, string> = {};
  for (const key of VISITOR_FIELDS) {
    const field = optionalString(own(value, key), `visitor.fields.${key}`, FIELD_MAX);
    if (field !== undefined) fields[key] = field;
  }
  return fields;
}

/** Row 7: the fields each kind cannot do without, as dotted paths, checked in order. */
const KIND_REQUIRED: Readonly<Record<MessageKind, readonly string[][]>> = {
  visitor: [['text']],
  file_visitor: [['data'], ['data', 'state'], ['data', 'url']],
  keyboard_response: [['data'], ['data', 'button'], ['data', 'button', 'text']],
};

function at(root: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((node, key) => own(node, key), root);
}

/**
 * Applies rows 4 to 9 of the status table, in order, to a request body. Rows 1 to 3 (route, channel, size) and
 * 10 to 12 (duplicates, acceptance, failures) need the database and belong to the service.
 */
export function parseInboundEvent(body: string): ParsedEvent {
  let root: unknown;
  try {
    root = JSON.parse(body);
  } catch {
    return { outcome: 'invalid-json' };
  }
  if (!isObject(root)) return { outcome: 'invalid-json' };

  if (absent(own(root, 'event'))) return { outcome: 'missing', path: 'event' };
  if (own(root, 'event') === 'chat_closed') return chatClosed(root);

  const required: [string, unknown][] = [
    ['chat_id', own(root, 'chat_id')],
    ['visitor', own(root, 'visitor')],
    ['visitor.id', at(root, ['visitor', 'id'])],
    ['message', own(root, 'message')],
    ['message.id', at(root, ['message', 'id'])],
    ['message.kind', at(root, ['message', 'kind'])],
  ];
  for (const [path, value] of required) if (absent(value)) return { outcome: 'missing', path };

  const event = own(root, 'event');
  if (event !== 'new_message') return { outcome: 'ignored', reason: `unsupported event ${quoted(event)}` };
  const message = own(root, 'message');
  const kind = own(message, 'kind');
  if (!(MESSAGE_KINDS as readonly unknown[]).includes(kind))
    return { outcome: 'ignored', reason: `unsupported message kind ${quoted(kind)}` };
  const messageKind = kind as MessageKind;

  for (const path of KIND_REQUIRED[messageKind]) {
    if (absent(at(message, path))) return { outcome: 'missing', path: ['message', ...path].join('.') };
  }

  try {
    const visitor = own(root, 'visitor');
    const base = {
      chatId: chatId(own(root, 'chat_id')),
      visitorId: string(own(visitor, 'id'), 'visitor.id', ID_MAX),
      visitorFields: visitorFields(own(visitor, 'fields')),
      clientMessageId: string(own(message, 'id'), 'message.id', ID_MAX),
      kind: messageKind,
    };
    const content = kindContent(messageKind, message, base.clientMessageId);
    if (content === 'not-ready') return { outcome: 'ignored', reason: 'file is not ready' };
    const accepted: InboundEvent = { ...base, ...content };
    return { outcome: 'accepted', event: accepted };
  } catch (error) {
    if (error instanceof Malformed) return { outcome: 'malformed', path: error.path, problem: error.problem };
    throw error;
  }
}

/**
 * Row 6b (an addition to the seed's table): `{"event": "chat_closed", "chat_id": …}` needs only `chat_id` (row 5),
 * well-formed (row 8); anything else in the body is ignored.
 */
function chatClosed(root: Json): ParsedEvent {
  const value = own(root, 'chat_id');
  if (absent(value)) return { outcome: 'missing', path: 'chat_id' };
  try {
    return { outcome: 'chat-closed', chatId: chatId(value) };
  } catch (error) {
    if (error instanceof Malformed) return { outcome: 'malformed', path: error.path, problem: error.problem };
    throw error;
  }
}

function kindContent(
  kind: MessageKind,
  message: unknown,
  messageId: string,
): Pick<InboundEvent, 'text' | 'payload'> | 'not-ready' {
  switch (kind) {
    case 'visitor':
      return { text: string(own(message, 'text'), 'message.text', TEXT_MAX_BYTES, 'bytes'), payload: null };
    case 'file_visitor': {
      const data = own(message, 'data');
      if (!isObject(data)) throw new Malformed('message.data', `must be an object, not ${typeName(data)}`);
      const state = string(own(data, 'state'), 'message.data.state', ID_MAX);
      const url = string(own(data, 'url'), 'message.data.url', URL_MAX);
      const fileId = optionalString(own(data, 'id'), 'message.data.id', ID_MAX) ?? messageId;
      const contentType =
        optionalString(own(data, 'content_type'), 'message.data.content_type', ID_MAX) ?? 'application/octet-stream';
      const name = optionalString(own(data, 'name'), 'message.data.name', FIELD_MAX);
      const size = own(data, 'size');
      if (!absent(size) && (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)) {
        throw new Malformed('message.data.size', `must be a non-negative integer, not ${typeName(size)}`);
      }
      // Row 9 comes after row 8: a not-ready file must still be well-formed.
      if (state !== 'ready') return 'not-ready';
      return {
        text: `file:${contentType}|${fileId}|${url}`,
        payload: { id: fileId, state, name: name ?? null, content_type: contentType, size: size ?? null, url },
      };
    }
    case 'keyboard_response': {
      const data = own(message, 'data');
      if (!isObject(data)) throw new Malformed('message.data', `must be an object, not ${typeName(data)}`);
      const button = own(data, 'button');
      if (!isObject(button)) throw new Malformed('message.data.button', `must be an object, not ${typeName(button)}`);
      const label = string(own(button, 'text'), 'message.data.button.text', TEXT_MAX_BYTES, 'bytes');
      const id = own(button, 'id');
      if (typeof id === 'string') string(id, 'message.data.button.id', ID_MAX);
      else if (!absent(id) && !(typeof id === 'number' && Number.isSafeInteger(id))) {
        throw new Malformed('message.data.button.id', `must be a string or an integer, not ${typeName(id)}`);
      }
      return { text: label, payload: { button: { id: id ?? null, text: label } } };
    }
  }
}
