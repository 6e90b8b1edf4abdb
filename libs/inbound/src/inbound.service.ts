import type { IncomingMessage } from 'node:http';
import { Injectable, Logger } from '@nestjs/common';
import { Counter } from 'prom-client';
import { ChannelLookup, type ActiveChannel } from '#channels';
import { MetricsService, Tracing, webhookSignatureHeadersProblem, webhookSignatureProblem } from '#common';
import { parseInboundEvent } from './inbound-event.parser.js';
import {
  ACCEPTED,
  ALREADY_CLOSED,
  DUPLICATE,
  INCOMPLETE,
  INTERNAL_ERROR,
  NO_ACTIVE_CHANNEL,
  TOO_LARGE,
  UNKNOWN_CHAT,
  answerFor,
  rateLimited,
  unsigned,
  type InboundAnswer,
} from './inbound-responses.js';
import { InboundRateLimiter } from './inbound-rate-limit.js';
import { InboundRepository } from './inbound.repository.js';
import { IncompleteBody, readBody } from './request-body.js';

const FOREIGN_KEY_VIOLATION = '23503';
/** A channel over its rate limit is told in the log at most this often (each refusal is counted in the metrics). */
const RATE_LIMIT_LOG_MS = 60_000;

/** Applies the status table in its order: channel (2), rate limit (2a), size (3), parsing (4–9), then storage (10–12). */
@Injectable()
export class InboundService {
  private readonly logger = new Logger(InboundService.name);
  private readonly answered: Counter<'status' | 'result'>;
  private readonly limitLogged = new Map<string, number>();

  constructor(
    private readonly lookup: ChannelLookup,
    private readonly limiter: InboundRateLimiter,
    private readonly inbound: InboundRepository,
    private readonly tracing: Tracing,
    metrics: MetricsService,
  ) {
    this.answered = new Counter({
      name: 'inbound_webhooks_total',
      help: 'Inbound webhook requests answered, by status and result.',
      labelNames: ['status', 'result'] as const,
      registers: [metrics.registry],
    });
  }

  async receive(token: string, req: IncomingMessage): Promise<InboundAnswer> {
    const [answer, result] = await this.answer(token, req);
    this.answered.inc({ status: String(answer.status), result });
    return answer;
  }

  private async answer(token: string, req: IncomingMessage): Promise<[InboundAnswer, string]> {
    let channel: ActiveChannel | null;
    try {
      channel = await this.lookup.findActive(token);
    } catch (error) {
      this.logger.error({ err: error }, 'Channel lookup failed');
      return [INTERNAL_ERROR, 'error'];
    }
    if (!channel) return [NO_ACTIVE_CHANNEL, 'no_channel'];
    // Row 2b: a channel that requires signed webhooks refuses a post without the signature's headers, or with a
    // timestamp out of tolerance, before its body is read; the signature itself once the body is (below).
    const headersProblem =
      channel.webhookSecrets === null ? null : webhookSignatureHeadersProblem(req.headers, Date.now());
    if (headersProblem !== null) return [unsigned(headersProblem), 'unsigned'];

    const refusal = this.limiter.take(channel);
    if (refusal) {
      this.logRateLimited(channel.id, refusal.limit);
      return [rateLimited(refusal.retryAfterSeconds, refusal.limit), 'rate_limited'];
    }

    let body: string | null;
    try {
      body = await readBody(req);
    } catch (error) {
      if (!(error instanceof IncompleteBody)) throw error;
      return [{ ...INCOMPLETE, reason: error.message }, 'incomplete'];
    }
    if (body === null) return [TOO_LARGE, 'too_large'];
    if (channel.webhookSecrets !== null) {
      const problem = webhookSignatureProblem(channel.webhookSecrets, req.headers, body);
      if (problem !== null) return [unsigned(problem), 'unsigned'];
    }
    const parsed = parseInboundEvent(body);
    if (parsed.outcome === 'chat-closed') return this.close(channel, parsed.chatId);
    if (parsed.outcome !== 'accepted') return [answerFor(parsed), parsed.outcome];

    try {
      const { event } = parsed;
      // The accept's span, whose traceparent is stored with the message: the Agent call continues this trace.
      const outcome = await this.tracing.span('inbound accept', { attributes: { 'channel.id': channel.id } }, (span) =>
        this.inbound.accept(channel, event, this.tracing.traceparent()).then((stored) => {
          span.setAttributes({ 'inbound.outcome': typeof stored === 'string' ? stored : 'stored' });
          return stored;
        }),
      );
      if (outcome === 'duplicate') return [DUPLICATE, 'duplicate'];
      if (outcome === 'no-channel') {
        this.lookup.forgetAll();
        return [NO_ACTIVE_CHANNEL, 'no_channel'];
      }
      return [ACCEPTED, 'accepted'];
    } catch (error) {
      // A delete racing past the statement's lock would surface as a foreign-key violation: still row 2.
      if ((error as { code?: string } | null)?.code === FOREIGN_KEY_VIOLATION) return [NO_ACTIVE_CHANNEL, 'no_channel'];
      this.logger.error({ err: error, channelId: channel.id }, 'Storing an inbound message failed');
      return [INTERNAL_ERROR, 'error'];
    }
  }

  private async close(channel: ActiveChannel, chatId: number | string): Promise<[InboundAnswer, string]> {
    try {
      const outcome = await this.tracing.span('inbound chat_closed', { attributes: { 'channel.id': channel.id } }, () =>
        this.inbound.close(channel, chatId, this.tracing.traceparent()),
      );
      switch (outcome) {
        case 'closed':
          return [ACCEPTED, 'chat_closed'];
        case 'already-closed':
          return [ALREADY_CLOSED, 'duplicate'];
        case 'unknown-chat':
          return [UNKNOWN_CHAT, 'ignored'];
        case 'no-channel':
          this.lookup.forgetAll();
          return [NO_ACTIVE_CHANNEL, 'no_channel'];
      }
    } catch (error) {
      if ((error as { code?: string } | null)?.code === FOREIGN_KEY_VIOLATION) return [NO_ACTIVE_CHANNEL, 'no_channel'];
      this.logger.error({ err: error, channelId: channel.id }, 'Closing a chat failed');
      return [INTERNAL_ERROR, 'error'];
    }
  }

  private logRateLimited(channelId: string, limit: { perSecond: number; burst: number }): void {
    const now = Date.now();
    if (now - (this.limitLogged.get(channelId) ?? -Infinity) < RATE_LIMIT_LOG_MS) return;
    if (this.limitLogged.size >= 10_000) this.limitLogged.clear();
    this.limitLogged.set(channelId, now);
    this.logger.warn(
      { channelId, perSecond: limit.perSecond, burst: limit.burst },
      'A channel is over its inbound rate limit; its webhook posts are answered 429 (told at most once a minute)',
    );
  }
}
