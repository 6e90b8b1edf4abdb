import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig, uuid7 } from '#common';
import {
  ChatLanes,
  channelChatIdOf,
  draftsFor,
  type AgentClaim,
  type AgentReply,
  type AgentSettlement,
  type LaneWorker,
} from '#conversations';
import { AgentCallFailed, AgentRuntime, type AgentEvent } from './agent-runtime.js';
import { decide, type AttemptVerdict } from './delivery-policy.js';
import { OutboundMetrics } from './outbound.metrics.js';
import { LANE_SLOTS, SHUTDOWN_GRACE_MS } from './lane-settings.js';

/**
 * The Agent lane: hands each chat's oldest waiting visitor message to the Agent runtime, one at a time per chat, and
 * settles the answer: the replies queued on the send lane and the message answered, or a retry, or a failure.
 */
@Injectable()
export class AgentBridge implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(AgentBridge.name);
  private readonly worker: LaneWorker<AgentClaim>;

  constructor(
    private readonly config: AppConfig,
    private readonly lanes: ChatLanes,
    private readonly runtime: AgentRuntime,
    private readonly metrics: OutboundMetrics,
  ) {
    this.worker = lanes.agentWorker({ slots: LANE_SLOTS.agent, perChannel: config.channelMaxInFlight }, (claim) =>
      this.handOff(claim),
    );
  }

  onApplicationBootstrap(): void {
    this.worker.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.worker.stop(SHUTDOWN_GRACE_MS);
  }

  /** Claim → call → settle. */
  async handOff(claim: AgentClaim): Promise<void> {
    const message = claim.message;
    if (message === null) {
      await this.settle(claim, { outcome: 'empty', messageId: null, lastError: null, retryAt: null, replies: [] });
      return;
    }
    const started = performance.now();
    const { replies, verdict } = await this.call(eventFor(claim, message));
    const seconds = (performance.now() - started) / 1000;
    const decision = decide(verdict, message.attempts + 1 - message.scheduleBase, this.config.deliveryRetryDelaysMs);
    if (decision.outcome === 'success') {
      const drafts = draftsFor(replies).map((draft) => ({ ...draft, id: uuid7() }));
      await this.settle(claim, {
        outcome: 'answered',
        messageId: message.id,
        lastError: null,
        retryAt: null,
        replies: drafts,
      });
      this.metrics.agentCall('answered', seconds);
      return;
    }
    const retryAt = decision.outcome === 'retry' ? decision.retryAt : null;
    await this.settle(claim, {
      outcome: decision.outcome,
      messageId: message.id,
      lastError: decision.error,
      retryAt,
      replies: [],
    });
    this.metrics.agentCall(retryAt ? 'retried' : 'failed', seconds);
    this.logger.warn(
      { messageId: message.id, chatId: claim.chatId, attempts: message.attempts + 1, reason: decision.error, retryAt },
      retryAt ? 'Agent runtime call failed; retrying' : 'Agent runtime call failed finally',
    );
  }

  private async call(event: AgentEvent): Promise<{ replies: AgentReply[]; verdict: AttemptVerdict }> {
    try {
      return { replies: await this.runtime.respond(event), verdict: { outcome: 'success' } };
    } catch (error) {
      if (error instanceof AgentCallFailed) return { replies: [], verdict: error.verdict };
      return {
        replies: [],
        verdict: {
          outcome: 'retry',
          error: `The Agent runtime call failed: ${(error as Error)?.message ?? String(error)}`,
          retryAfterMs: null,
        },
      };
    }
  }

  private async settle(claim: AgentClaim, outcome: Omit<AgentSettlement, 'chatId' | 'lease'>): Promise<void> {
    const dueNow = await this.lanes.settleAgent(claim, { ...outcome, chatId: claim.chatId, lease: claim.lease });
    if (outcome.retryAt) this.worker.wakeAt(outcome.retryAt);
    if (dueNow) this.worker.wake();
  }
}

function eventFor(claim: AgentClaim, message: NonNullable<AgentClaim['message']>): AgentEvent {
  return {
    agentId: claim.agentId,
    channelId: claim.channelId,
    chatId: claim.chatId,
    channelChatId: channelChatIdOf(claim),
    variables: claim.variables,
    visitorId: claim.visitorId,
    message: { id: message.id, clientMessageId: message.clientMessageId, text: message.text },
  };
}
