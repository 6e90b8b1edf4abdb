import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig, OutboundFailure, OutboundHttpClient, SecretBox, Tracing, formatDuration, methodUrl } from '#common';
import { capabilitiesOf, signingSecretsOf, type ChannelCapabilities } from '#channels';
import { DatabaseOutage } from '#database';
import { actionRefusal, clientChatIdOf } from '#conversations';
import {
  ChannelHealth,
  ChatLanes,
  ChatLanesRepository,
  RETRY_AFTER_CAP_MS,
  judgeAnswer,
  parseRetryAfter,
  type AttemptVerdict,
  judgeFailure,
  type Attempted,
  type LaneAttempt,
  type LaneWorker,
  type Outcome,
  type SendClaim,
} from '#lanes';
import { LANE_SLOTS, SHUTDOWN_GRACE_MS } from './lane-settings.js';
import { OutboundMetrics } from './outbound.metrics.js';
import { tracedAttempt } from './traced-attempt.js';

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
  private readonly logger = new Logger(Dispatcher.name);
  private readonly worker: LaneWorker<SendClaim>;
  private probes: NodeJS.Timeout | null = null;

  constructor(
    private readonly config: AppConfig,
    lanes: ChatLanes,
    private readonly repository: ChatLanesRepository,
    private readonly health: ChannelHealth,
    private readonly http: OutboundHttpClient,
    private readonly secrets: SecretBox,
    private readonly metrics: OutboundMetrics,
    private readonly tracing: Tracing,
    private readonly outage: DatabaseOutage,
  ) {
    this.worker = lanes.sendWorker({ slots: LANE_SLOTS.send, perChannel: config.channelMaxInFlight }, this);
  }

  onApplicationBootstrap(): void {
    this.worker.start();
    // Paused channels are looked at this often for a probe due (each probe itself every CHANNEL_PROBE_INTERVAL).
    const every = Math.min(Math.max((this.config.channelProbeIntervalSeconds * 1000) / 2, 250), 5_000);
    this.probes = setInterval(() => void this.probe(), every);
    this.probes.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.probes) clearInterval(this.probes);
    await this.worker.stop(SHUTDOWN_GRACE_MS);
  }

  /** While a channel is paused, one of its held replies is tried every CHANNEL_PROBE_INTERVAL; a 2xx resumes it. */
  private async probe(): Promise<void> {
    if (!this.outage.mayTry()) return;
    try {
      for (const { id } of await this.health.dueProbes(this.config.channelProbeIntervalSeconds))
        this.worker.adopt(await this.repository.claimSendProbe(id));
    } catch (error) {
      // The database away is told once, by the outage.
      if (!this.outage.failed(error))
        this.logger.warn({ err: error }, 'Looking for paused channels to probe failed; trying again shortly');
    }
  }

  /**
   * Endpoint health from an attempt that reached the client server or failed to: a 2xx clears the channel's failing
   * mark (and resumes it when paused: its probe answered); a 429 or 503 with Retry-After holds the channel's whole
   * send lane for that time; any other failure marks the channel failing, pausing it after CHANNEL_PAUSE_AFTER without
   * a 2xx or at once on a 410 Gone. While the channel is paused (from this attempt on, and for every probe that
   * fails) the message is held: retried at the schedule's last delay however many attempts it has had, never failed.
   */
  private async afterAttempt(
    claim: SendClaim,
    verdict: AttemptVerdict,
    status: number | null,
    retryAfter: string | undefined,
  ): Promise<AttemptVerdict> {
    try {
      if (verdict.outcome === 'success') {
        if (
          (claim.deliveryFailingSince !== null || claim.pausedAt !== null) &&
          (await this.health.succeeded(claim.channelId))
        ) {
          this.logger.log({ channelId: claim.channelId }, 'Channel resumed: its client server answered 2xx again');
          this.worker.wake();
        }
        return verdict;
      }
      if (verdict.outcome === 'skipped' || verdict.outcome === 'later') return verdict;
      if (status === 429 || status === 503) {
        const wait = parseRetryAfter(retryAfter);
        if (wait !== null && wait > 0)
          await this.health.hold(claim.channelId, new Date(Date.now() + Math.min(wait, RETRY_AFTER_CAP_MS)));
      }
      const gone = status === 410;
      const { paused, reason } = await this.health.failed(claim.channelId, {
        gone,
        pauseAfterSeconds: this.config.channelPauseAfterSeconds,
        probeIntervalSeconds: this.config.channelProbeIntervalSeconds,
        pauseAfterText: formatDuration(this.config.channelPauseAfterSeconds),
      });
      if (paused) {
        this.metrics.channelPaused(gone ? 'gone' : 'failing');
        this.logger.warn(
          { channelId: claim.channelId, reason },
          'Channel paused: its replies are held until a probe is answered 2xx or it is resumed',
        );
      }
      if (gone || paused || claim.pausedAt !== null)
        return { outcome: 'retry', error: verdict.error, retryAfterMs: null, held: true };
    } catch (error) {
      this.logger.warn(
        { err: error, channelId: claim.channelId },
        'Recording the endpoint health of an attempt failed',
      );
    }
    return verdict;
  }

  /** Each attempt is a span of the trace its reply belongs to (stored with it: the Agent call it came from). */
  attempt(claim: SendClaim, message: Head): Promise<Attempted<never>> {
    const method =
      message.kind === 'redirect' ? 'redirect_chat' : message.kind === 'close' ? 'close_chat' : 'send_message';
    return tracedAttempt(
      this.tracing,
      claim,
      {
        name: method,
        traceContext: message.traceContext,
        messageId: message.id,
        attempt: ['delivery.attempt', message.attempts + 1],
        attributes: { 'http.request.method': 'POST' },
      },
      () => this.send(claim, message),
    );
  }

  private async send(claim: SendClaim, message: Head): Promise<Attempted<never>> {
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
    if (claim.deliveryRatePerSecond !== null) {
      // The channel's delivery rate limit, across replicas: no slot yet means not attempted (no attempt counted), the
      // chat due again when the next slot comes.
      const slot = await this.health
        .takeDeliverySlot(claim.channelId, claim.deliveryRatePerSecond)
        .catch(() => ({ ok: false, at: new Date(Date.now() + 1_000) }));
      if (!slot.ok) return { verdict: { outcome: 'later', at: slot.at } };
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
      const verdict = judgeAnswer({
        status: response.status,
        bodyExcerpt: response.bodyExcerpt,
        retryAfter: response.headers['retry-after'],
      });
      this.tracing.annotate({ 'http.response.status_code': response.status });
      return {
        verdict: await this.afterAttempt(claim, verdict, response.status, response.headers['retry-after']),
      };
    } catch (error) {
      const verdict: AttemptVerdict =
        error instanceof OutboundFailure
          ? judgeFailure(error)
          : {
              outcome: 'retry',
              error: `send_message failed: ${(error as Error)?.message ?? String(error)}`,
              retryAfterMs: null,
            };
      return { verdict: await this.afterAttempt(claim, verdict, null, undefined) };
    }
  }

  observe(outcome: Outcome, _claim: SendClaim, message: Head): void {
    this.metrics.delivery(outcome, new Date(message.createdAt));
  }
}
