import { OPERATIONS, type OperationName } from './operations';
import { session } from './session';

export interface Tenant {
  id: string;
  name: string;
  /** The retention in force for the tenant's ended messages, e.g. `30d`: its own, or the service default. */
  messageRetention: string;
  messageRetentionSource: 'tenant' | 'default';
  createdAt: string;
}
export interface DeletedTenant {
  id: string;
  status: 'deleting';
}
export interface CreatedTenant extends Tenant {
  apiKey: string;
  apiKeyId: string;
}
export interface ApiKeySummary {
  id: string;
  createdAt: string;
}
export interface CreatedApiKey extends ApiKeySummary {
  apiKey: string;
}
export interface Agent {
  agentId: string;
  title: string | null;
  trained: boolean;
  createdAt: string;
  updatedAt: string;
}
export interface ChannelWarning {
  code: 'CHANNEL_UNREACHABLE' | 'WEBHOOK_REGISTRATION_FAILED';
  message: string;
}
/**
 * What a channel's client server accepts beyond the seed's protocol (docs/protocol.md, Extensions), all off by default:
 * `files` 'file' sends a reply's file as a file_operator message (default 'link': its URL in a text); a
 * `maxMessageLength` splits a longer text reply into several messages at word boundaries (default null: sent whole);
 * `markdown` 'strip' sends Markdown as plain text, links keeping their URL (default 'pass': as the Agent wrote it);
 * `redirectChat` / `closeChat` send the Agent's redirect / close actions as POST redirect_chat / close_chat (default
 * false: such an action is stored `skipped`, never sent).
 */
export interface ChannelCapabilities {
  files: 'link' | 'file';
  /** 1 to 65536 characters (code points), or null for no limit. */
  maxMessageLength: number | null;
  markdown: 'pass' | 'strip';
  redirectChat: boolean;
  closeChat: boolean;
}
/**
 * Endpoint health: a channel is paused when its client server answered no send_message with a 2xx for
 * CHANNEL_PAUSE_AFTER, or answered 410 Gone. While paused its replies are held (queued, not failed), visitor messages
 * still reach the Agent, and one held reply is tried every CHANNEL_PROBE_INTERVAL: a 2xx resumes it, and so does
 * resume.
 */
export interface ChannelHealth {
  state: 'active' | 'paused';
  /** When it was paused (ISO 8601); null while active. */
  since: string | null;
  /** Why, in words (e.g. "The client server answered 410 Gone"); null while active. */
  reason: string | null;
}
/** A cap on the channel's send_message calls per second (1 to 10000), across replicas; null on a channel: none. */
export interface DeliveryRateLimit {
  perSecond: number;
}
export interface Channel {
  id: string;
  agentId: string;
  type: 'omnichannel';
  title: string | null;
  active: boolean;
  platformWebhookUrl: string;
  webhookUrl: string;
  webhookTokenSet: boolean;
  /**
   * Whether the service signs its requests to the client server (Standard Webhooks): false only for a channel created
   * before signing, until its signing secret is rotated.
   */
  signingSecretSet: boolean;
  /** The client server must sign its posts to the App.Chatbots webhook URL; unsigned ones are answered 401. */
  requireSignedWebhooks: boolean;
  /** The capabilities in force. */
  capabilities: ChannelCapabilities;
  health: ChannelHealth;
  /** The cap on send_message calls per second to the client server; null: no limit. */
  deliveryRateLimit: DeliveryRateLimit | null;
  createdAt: string;
  updatedAt: string;
  /** Only on the answers of create and update. */
  warnings?: ChannelWarning[];
}
/** The answer of create and of rotate-signing-secret: the only ones that carry the signing secret (`whsec_…`). */
export interface ChannelWithSecret extends Channel {
  signingSecret: string;
}
export interface ChannelChanges {
  title?: string | null;
  webhookUrl?: string;
  /** A string sets the token, null clears it, absent keeps it (a changed webhookUrl clears it anyway). */
  webhookToken?: string | null;
  active?: boolean;
  /** Only the fields given change; `maxMessageLength: null` removes the limit. */
  capabilities?: Partial<ChannelCapabilities>;
  requireSignedWebhooks?: boolean;
  /** `{perSecond}` sets the limit, null removes it, absent keeps it. */
  deliveryRateLimit?: DeliveryRateLimit | null;
}
export interface Chat {
  id: string;
  clientChatId: number | string;
  visitorId: string;
  variables: Record<string, string>;
  createdAt: string;
  lastMessageAt: string;
  /**
   * closed: by the Agent (its close action delivered as close_chat) or by the client server (a chat_closed event);
   * the next visitor message opens it again.
   */
  state: 'open' | 'closed';
  /** When it was closed; null while open. */
  closedAt: string | null;
  /** Who closed it; null while open. */
  closedBy: 'agent' | 'client' | null;
}
export interface Button {
  id: string;
  text: string;
}
/** An outbound file reply's file, sent as a file_operator message or as its link in an operator message. */
export interface MessageFile {
  url: string;
  name?: string;
  mediaType?: string;
}
/** The Agent's action (kind redirect or close); a redirect with neither id goes to the general queue. */
export type MessageAction = { type: 'redirect'; operatorId?: string; departmentKey?: string } | { type: 'close' };
export interface Message {
  id: string;
  direction: 'inbound' | 'outbound';
  /**
   * inbound: visitor | file_visitor | keyboard_response | chat_closed (the client server closed the chat, text "");
   * outbound: operator | file_operator | keyboard | redirect | close.
   */
  kind: string;
  text: string | null;
  buttons?: Button[][];
  file?: MessageFile;
  action?: MessageAction;
  clientMessageId?: string;
  /** inbound: received | answered | failed; outbound: queued | delivered | failed | skipped (never sent, see lastError). */
  status: string;
  attempts: number;
  lastError?: string;
  createdAt: string;
  deliveredAt?: string;
}
/** The answer of replay: how many failed messages were queued again. */
export interface ReplayResult {
  requeued: number;
}
export interface ErasedVisitor {
  chats: number;
  messages: number;
}
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** An answer other than the expected success: the API's own sentence, its code and its field details. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: { field: string; message: string }[] = [],
  ) {
    super(message);
  }
}

type Params = Record<string, string>;

/** `/api/v1/agents/{agentId}` with `{agentId: 'a 1'}` → `/api/v1/agents/a%201`. */
function expand(path: string, params: Params): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`missing path parameter ${name}`);
    return encodeURIComponent(value);
  });
}

async function call<T>(
  name: OperationName,
  options: {
    params?: Params;
    query?: Record<string, string | undefined>;
    body?: unknown;
    token?: string;
    /** The success body as a Blob (a file to save), not parsed. */
    blob?: boolean;
  } = {},
): Promise<T> {
  const operation = OPERATIONS[name];
  const token = options.token ?? session.token();
  let url = expand(operation.path, options.params ?? {});
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) query.set(key, value);
  if (query.toString() !== '') url += `?${query}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: operation.method,
      headers: {
        accept: 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'NETWORK', 'The service did not answer. Check that it is running, then try again.');
  }
  if (response.status === operation.status) {
    if (options.blob) return (await response.blob()) as T;
    return (response.status === 204 ? undefined : await response.json()) as T;
  }
  let body: { error?: unknown; code?: unknown; details?: unknown } = {};
  try {
    body = await response.json();
  } catch {
    // not JSON: described by the status below
  }
  const message = typeof body.error === 'string' ? body.error : `The service answered HTTP ${response.status}.`;
  const code = typeof body.code === 'string' ? body.code : `HTTP_${response.status}`;
  const details = Array.isArray(body.details) ? (body.details as { field: string; message: string }[]) : [];
  if (response.status === 401 && !options.token) session.expire();
  throw new ApiError(response.status, code, message, details);
}

export const api = {
  listTenants: (token?: string) => call<Tenant[]>('listTenants', { token }),
  createTenant: (name: string) => call<CreatedTenant>('createTenant', { body: { name } }),
  /** `null` returns the tenant to the service's default retention. */
  setRetention: (tenantId: string, messageRetention: string | null) =>
    call<Tenant>('updateTenant', { params: { tenantId }, body: { messageRetention } }),
  deleteTenant: (tenantId: string) => call<DeletedTenant>('deleteTenant', { params: { tenantId } }),
  listApiKeys: (tenantId: string) => call<ApiKeySummary[]>('listApiKeys', { params: { tenantId } }),
  createApiKey: (tenantId: string) => call<CreatedApiKey>('createApiKey', { params: { tenantId } }),
  revokeApiKey: (tenantId: string, keyId: string) => call<void>('revokeApiKey', { params: { tenantId, keyId } }),
  listAgents: (token?: string) => call<Agent[]>('listAgents', { token }),
  getAgent: (agentId: string) => call<Agent>('getAgent', { params: { agentId } }),
  deleteAgent: (agentId: string) => call<void>('deleteAgent', { params: { agentId } }),
  listChannels: (agentId: string) => call<Channel[]>('listChannels', { params: { agentId } }),
  createChannel: (agentId: string, body: ChannelChanges & { type: 'omnichannel'; webhookUrl: string }) =>
    call<ChannelWithSecret>('createChannel', { params: { agentId }, body }),
  updateChannel: (channelId: string, changes: ChannelChanges) =>
    call<Channel>('updateChannel', { params: { channelId }, body: changes }),
  rotateToken: (channelId: string) => call<Channel>('rotateToken', { params: { channelId } }),
  rotateSigningSecret: (channelId: string) => call<ChannelWithSecret>('rotateSigningSecret', { params: { channelId } }),
  /** Resumes a paused channel at once (its held replies are sent again); an active one is left as it is. */
  resumeChannel: (channelId: string) => call<Channel>('resumeChannel', { params: { channelId } }),
  /** Queues again every failed message of the channel created in [since, now): ISO 8601 times. */
  replayFailed: (channelId: string, since: string) =>
    call<ReplayResult>('replayChannel', { params: { channelId }, body: { since } }),
  deleteChannel: (channelId: string) => call<void>('deleteChannel', { params: { channelId } }),
  getChannel: (channelId: string) => call<Channel>('getChannel', { params: { channelId } }),
  listChats: (channelId: string, cursor?: string) =>
    call<Page<Chat>>('listChats', { params: { channelId }, query: { cursor, limit: '50' } }),
  listMessages: (channelId: string, chatId: string, cursor?: string) =>
    call<Page<Message>>('listMessages', { params: { channelId, chatId }, query: { cursor, limit: '200' } }),
  writeMessage: (channelId: string, chatId: string, text: string) =>
    call<Message>('writeMessage', { params: { channelId, chatId }, body: { text } }),
  retryMessage: (messageId: string) => call<Message>('retryMessage', { params: { messageId } }),
  eraseVisitor: (channelId: string, visitorId: string) =>
    call<ErasedVisitor>('eraseVisitor', { params: { channelId, visitorId } }),
  exportVisitor: (channelId: string, visitorId: string) =>
    call<Blob>('exportVisitor', { params: { channelId, visitorId }, blob: true }),
};
