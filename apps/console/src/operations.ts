/**
 * Every admin API operation the console calls, with the response fields it reads. The typed client (api.ts) is built
 * on this table, and test/console-api.e2e-spec.ts checks it against the service's OpenAPI document (/docs-json): each
 * operation must exist there with this method, path and success status, and every field listed here must be a
 * property of its documented response. A renamed route or field fails that test, not the browser.
 */
export const OPERATIONS = {
  listTenants: {
    method: 'GET',
    path: '/api/v1/tenants',
    status: 200,
    fields: ['id', 'name', 'messageRetention', 'messageRetentionSource', 'createdAt'],
  },
  updateTenant: {
    method: 'PATCH',
    path: '/api/v1/tenants/{tenantId}',
    status: 200,
    fields: ['id', 'name', 'messageRetention', 'messageRetentionSource', 'createdAt'],
  },
  deleteTenant: { method: 'DELETE', path: '/api/v1/tenants/{tenantId}', status: 202, fields: ['id', 'status'] },
  createTenant: {
    method: 'POST',
    path: '/api/v1/tenants',
    status: 201,
    fields: ['id', 'name', 'createdAt', 'apiKey', 'apiKeyId'],
  },
  listApiKeys: { method: 'GET', path: '/api/v1/tenants/{tenantId}/api-keys', status: 200, fields: ['id', 'createdAt'] },
  createApiKey: {
    method: 'POST',
    path: '/api/v1/tenants/{tenantId}/api-keys',
    status: 201,
    fields: ['id', 'apiKey', 'createdAt'],
  },
  revokeApiKey: { method: 'DELETE', path: '/api/v1/tenants/{tenantId}/api-keys/{keyId}', status: 204, fields: [] },
  listAgents: {
    method: 'GET',
    path: '/api/v1/agents',
    status: 200,
    fields: ['agentId', 'title', 'trained', 'createdAt', 'updatedAt'],
  },
  getAgent: {
    method: 'GET',
    path: '/api/v1/agents/{agentId}',
    status: 200,
    fields: ['agentId', 'title', 'trained', 'createdAt', 'updatedAt'],
  },
  deleteAgent: { method: 'DELETE', path: '/api/v1/agents/{agentId}', status: 204, fields: [] },
  listChannels: { method: 'GET', path: '/api/v1/agents/{agentId}/channels', status: 200, fields: [] as string[] },
  createChannel: {
    method: 'POST',
    path: '/api/v1/agents/{agentId}/channels',
    status: 201,
    fields: ['signingSecret'],
  },
  getChannel: { method: 'GET', path: '/api/v1/channels/{channelId}', status: 200, fields: [] as string[] },
  updateChannel: { method: 'PATCH', path: '/api/v1/channels/{channelId}', status: 200, fields: [] as string[] },
  rotateToken: {
    method: 'POST',
    path: '/api/v1/channels/{channelId}/rotate-token',
    status: 200,
    fields: [] as string[],
  },
  rotateSigningSecret: {
    method: 'POST',
    path: '/api/v1/channels/{channelId}/rotate-signing-secret',
    status: 200,
    fields: ['signingSecret'],
  },
  resumeChannel: {
    method: 'POST',
    path: '/api/v1/channels/{channelId}/resume',
    status: 200,
    fields: [] as string[],
  },
  replayChannel: {
    method: 'POST',
    path: '/api/v1/channels/{channelId}/replay',
    status: 200,
    fields: ['requeued'],
  },
  deleteChannel: { method: 'DELETE', path: '/api/v1/channels/{channelId}', status: 204, fields: [] },
  listChats: {
    method: 'GET',
    path: '/api/v1/channels/{channelId}/chats',
    status: 200,
    fields: ['items', 'nextCursor'],
    itemFields: [
      'id',
      'clientChatId',
      'visitorId',
      'variables',
      'createdAt',
      'lastMessageAt',
      'state',
      'closedAt',
      'closedBy',
    ],
  },
  listMessages: {
    method: 'GET',
    path: '/api/v1/channels/{channelId}/chats/{chatId}/messages',
    status: 200,
    fields: ['items', 'nextCursor'],
    itemFields: [
      'id',
      'direction',
      'kind',
      'text',
      'buttons',
      'clientMessageId',
      'status',
      'attempts',
      'lastError',
      'createdAt',
      'deliveredAt',
    ],
  },
  writeMessage: {
    method: 'POST',
    path: '/api/v1/channels/{channelId}/chats/{chatId}/messages',
    status: 202,
    fields: ['id', 'status'],
  },
  retryMessage: { method: 'POST', path: '/api/v1/messages/{messageId}/retry', status: 202, fields: ['id', 'status'] },
  eraseVisitor: {
    method: 'DELETE',
    path: '/api/v1/channels/{channelId}/visitors/{visitorId}',
    status: 200,
    fields: ['chats', 'messages'],
  },
  exportVisitor: {
    method: 'GET',
    path: '/api/v1/channels/{channelId}/visitors/{visitorId}/export',
    status: 200,
    fields: [],
  },
} as const satisfies Record<string, Operation>;

/** The fields of a Channel, read by every operation that answers one. */
export const CHANNEL_FIELDS = [
  'id',
  'agentId',
  'type',
  'title',
  'active',
  'platformWebhookUrl',
  'webhookUrl',
  'webhookTokenSet',
  'signingSecretSet',
  'requireSignedWebhooks',
  'capabilities',
  'health',
  'deliveryRateLimit',
  'createdAt',
  'updatedAt',
] as const;

/**
 * Operations that answer a Channel (or a list of them) and the fields only create and update add. (The signing secret,
 * which only create and rotateSigningSecret add, is in their `fields`.)
 */
export const CHANNEL_OPERATIONS = [
  'listChannels',
  'createChannel',
  'getChannel',
  'updateChannel',
  'rotateToken',
  'rotateSigningSecret',
  'resumeChannel',
] as const;
export const CHANNEL_SAVE_FIELDS = ['warnings'] as const;

export interface Operation {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  status: number;
  fields: readonly string[];
  itemFields?: readonly string[];
}

export type OperationName = keyof typeof OPERATIONS;
