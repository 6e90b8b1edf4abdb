import type { DocumentedError } from '#common';
import { DEFAULT_CAPABILITIES } from './capabilities.js';
import { AGENT_NOT_TRAINED_MESSAGE } from './channels.service.js';

export const TENANT_ONLY_DOC: DocumentedError = [
  403,
  'FORBIDDEN',
  'This route is for tenants; the operator token cannot use it.',
];
export const AGENT_NOT_TRAINED_DOC: DocumentedError = [409, 'AGENT_NOT_TRAINED', AGENT_NOT_TRAINED_MESSAGE];
export const CHANNEL_NOT_FOUND_DOC: DocumentedError = [404, 'NOT_FOUND', 'Channel not found.'];

export const CHANNEL_EXAMPLE = {
  id: '5b0c0f5e-8d6a-4a53-9a43-6f0d3a1f2b7c',
  agentId: 'a-1',
  type: 'omnichannel',
  title: 'Site chat',
  active: true,
  platformWebhookUrl: 'https://platform.example.com/9f3cQm9vLWJhci1iYXotcXV4e1/bot_api_webhook',
  webhookUrl: 'https://client.example.com/chat',
  webhookTokenSet: true,
  signingSecretSet: true,
  requireSignedWebhooks: false,
  health: { state: 'active', since: null, reason: null },
  deliveryRateLimit: { perSecond: 10 },
  inboundRateLimit: { perSecond: 100, burst: 500, source: 'default' },
  capabilities: { ...DEFAULT_CAPABILITIES },
  createdAt: '2026-11-23T10:00:00.000Z',
  updatedAt: '2026-11-23T10:00:00.000Z',
  warnings: [{ code: 'CHANNEL_UNREACHABLE', message: "Can't reach channel" }],
};
