import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig, OutboundFailure, OutboundHttpClient, SecretBox, methodUrl } from '#common';
import { capabilitiesOf, signingSecretsOf, type ChannelCapabilities } from '#channels';
import { actionRefusal, clientChatIdOf } from '#conversations';
import {
  ChatLanes,
  judgeAnswer,
  judgeFailure,
  type Attempted,
  type LaneAttempt,
  type LaneWorker,
  type Outcome,
  type SendClaim,
} from '#lanes';
import { LANE_SLOTS, SHUTDOWN_GRACE_MS } from './lane-settings.js';
import { OutboundMetrics } from './outbound.metrics.js';

type Head = NonNullable<SendClaim['message']>;

/** The body of `POST {webhookUrl}/send_message` (docs/outbound.md). */
export function sendMessageBody(claim: SendClaim, message: Head): Record<string, unknown> {
  return { chat_id: clientChatIdOf(claim), message: messageBody(message) };
}

/**
 * The request for an outbound message: `send_message`, or for an action (docs/protocol.md, Extensions)
 * `redirect_chat` with `operator_id` or `dep_key` (or neither: the general queue) and `close_chat`.
 */
export function requestFor(
  claim: SendClaim,
  message: Head,
  capabilities: ChannelCapabilities = capabilitiesOf(claim.capabilities),
): { method: string; body: Record<string, unknown> } {
  const chatId = clientChatIdOf(claim);
  if (message.kind === 'redirect') {
    const { operatorId, departmentKey } = message.payload ?? {};
    return {
      method: 'redirect_chat',
      body: {
        chat_id: chatId,
        ...(operatorId === undefined ? {} : { operator_id: operatorId }),
        ...(departmentKey === undefined ? {} : { dep_key: departmentKey }),
      },
    };
  }
  if (message.kind === 'close') return { method: 'close_chat', body: { chat_id: chatId } };
  // A file queued as a file after the channel went back to links (files: "link") leaves as its link, as the seed does.
  if (message.kind === 'file_operator' && capabilities.files !== 'file')
    return {
      method: 'send_message',
      body: sendMessageBody(claim, { ...message, kind: 'operator', text: message.payload?.file?.url ?? message.text }),
    };
  return { method: 'send_message', body: sendMessageBody(claim, message) };
}

function messageBody(message: Head): Record<string, unknown> {
  switch (message.kind) {
    case 'keyboard':
      return { id: message.id, kind: 'keyboard', buttons: message.buttons };
    case 'file_operator': {
      // An extension (docs/protocol.md, Extensions): only a channel with `files: "file"` has such messages.
      const file = message.payload?.file;
      return {
        id: message.id,
        kind: 'file_operator',
        data: {
          url: file?.url ?? null,
          ...(file?.name === undefined ? {} : { name: file.name }),
          ...(file?.mediaType === undefined ? {} : { media_type: file.mediaType }),
        },
      };
    }
    default:
      return { id: message.id, kind: 'operator', text: message.text };
  }
}

/**
 * The send lane's attempt: delivers a chat's oldest queued reply to the client server. While it is retried, its chat's
 * lane waits out the backoff (holding the chat's later replies, and nothing of any other chat): the lanes' part.
 */
@Injectable()
export class Dispatcher
  implements LaneAttempt<SendClaim, Head, never>, OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly worker: LaneWorker<SendClaim>;

  constructor(
    private readonly config: AppConfig,
    lanes: ChatLanes,
    private readonly http: OutboundHttpClient,
    private readonly secrets: SecretBox,
    private readonly metrics: OutboundMetrics,
  ) {
    this.worker = lanes.sendWorker({ slots: LANE_SLOTS.send, perChannel: config.channelMaxInFlight }, this);
  }

  onApplicationBootstrap(): void {
    this.worker.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.worker.stop(SHUTDOWN_GRACE_MS);
  }

  async attempt(claim: SendClaim, message: Head): Promise<Attempted<never>> {
    let token: string | null;
    let signingSecrets: string[];
    try {
      token = claim.webhookTokenEncrypted === null ? null : this.secrets.open(claim.webhookTokenEncrypted);
      signingSecrets = signingSecretsOf(claim, (sealed) => this.secrets.open(sealed));
    } catch {
      // Waiting cannot fix this (SECRETS_KEY changed since the token was stored), and retrying would hold the chat.
      return {
        verdict: {
          outcome: 'failed',
          error:
            "The channel's webhook token or signing secret cannot be decrypted (was SECRETS_KEY changed?): set the token again and rotate the signing secret, then retry the message",
        },
      };
    }
    const capabilities = capabilitiesOf(claim.capabilities);
    if (message.kind === 'redirect' || message.kind === 'close') {
      // Checked again at the last moment: the channel may have stopped accepting it since it was queued.
      const refusal = actionRefusal(message.kind, capabilities);
      if (refusal !== null) return { verdict: { outcome: 'skipped', error: refusal } };
    }
    try {
      const { method, body } = requestFor(claim, message, capabilities);
      const response = await this.http.request({
        method: 'POST',
        url: methodUrl(claim.webhookUrl, method),
        headers: { 'Idempotency-Key': message.id, ...(token === null ? {} : { Authorization: `Token ${token}` }) },
        body,
        // Standard Webhooks: webhook-id is the message's id, like the Idempotency-Key, stable across retries.
        signing: { id: message.id, secrets: signingSecrets },
        // A client server may echo what it was sent: lastError is shown by the admin API and logged.
        secrets: [token, this.config.platformAdminToken, ...signingSecrets],
      });
      return {
        verdict: judgeAnswer({
          status: response.status,
          bodyExcerpt: response.bodyExcerpt,
          retryAfter: response.headers['retry-after'],
        }),
      };
    } catch (error) {
      if (error instanceof OutboundFailure) return { verdict: judgeFailure(error) };
      return {
        verdict: {
          outcome: 'retry',
          error: `send_message failed: ${(error as Error)?.message ?? String(error)}`,
          retryAfterMs: null,
        },
      };
    }
  }

  observe(outcome: Outcome, _claim: SendClaim, message: Head): void {
    this.metrics.delivery(outcome, new Date(message.createdAt));
  }
}
