import { Injectable, Logger } from '@nestjs/common';
import {
  ChatLanesRepository,
  type AgentClaim,
  type AgentSettlement,
  type ClaimLimits,
  type LaneClaim,
  type SendClaim,
  type SendSettlement,
  type SettledLane,
} from './chat-lanes.repository.js';
import { LaneWakeups } from './lane-wakeups.js';
import { LaneWorker } from './lane-worker.js';
import type { Lane } from './message-status.js';
import { SettleBatches } from './settle-batches.js';
import { wellFormedExcerpt } from '#common';

export interface LaneWorkerSettings {
  slots: number;
  perChannel: number;
}

/**
 * The delivery schedule (docs/architecture.md, "Delivery engine: chat lanes"): workers claim due chats, work their head
 * message and settle the outcome here; settles of one tenant made close together are written in one statement.
 */
@Injectable()
export class ChatLanes {
  private readonly logger = new Logger(ChatLanes.name);
  private readonly agentSettles: SettleBatches<AgentSettlement, SettledLane & { sendDueNow: boolean }>;
  private readonly sendSettles: SettleBatches<SendSettlement, SettledLane>;

  constructor(
    private readonly lanes: ChatLanesRepository,
    private readonly wakeups: LaneWakeups,
  ) {
    this.agentSettles = new SettleBatches({
      write: (batch) => this.lanes.settleAgent(batch),
      keyOfItem: (item) => item.chatId,
      keyOfResult: (row) => row.chatId,
      rescue: (item, error) => rescueAgent(item, error),
      logger: this.logger,
    });
    this.sendSettles = new SettleBatches({
      write: (batch) => this.lanes.settleSend(batch),
      keyOfItem: (item) => item.chatId,
      keyOfResult: (row) => row.chatId,
      rescue: (item) => (item.lastError === null ? null : { ...item, lastError: wellFormedExcerpt(item.lastError) }),
      logger: this.logger,
    });
  }

  /** The Agent lane's worker, woken by this process's wake-ups and by other replicas' NOTIFYs. */
  agentWorker(settings: LaneWorkerSettings, work: (claim: AgentClaim) => Promise<void>): LaneWorker<AgentClaim> {
    return this.worker('agent', settings, (limits) => this.lanes.claimAgent(limits), work);
  }

  sendWorker(settings: LaneWorkerSettings, work: (claim: SendClaim) => Promise<void>): LaneWorker<SendClaim> {
    return this.worker('send', settings, (limits) => this.lanes.claimSend(limits), work);
  }

  private worker<C extends LaneClaim>(
    lane: Lane,
    settings: LaneWorkerSettings,
    claim: (limits: ClaimLimits) => Promise<C[]>,
    work: (claim: C) => Promise<void>,
  ): LaneWorker<C> {
    const worker = new LaneWorker<C>({
      lane,
      ...settings,
      claim,
      work,
      release: (claims) => this.lanes.release(lane, claims),
      logger: this.logger,
    });
    this.wakeups.register(lane, () => worker.wake());
    return worker;
  }

  /** New work in `lane` (a visitor message accepted, a reply queued): workers here now, elsewhere within ~10 ms. */
  wake(lane: Lane): void {
    this.wakeups.wake(lane);
  }

  /** Records the Agent call's outcome, queues the replies; true when the chat has more for the Agent at once. */
  async settleAgent(claim: AgentClaim, settlement: AgentSettlement): Promise<boolean> {
    const settled = await this.agentSettles.push(claim.tenantId, settlement);
    if (settled?.sendDueNow) this.wake('send');
    return settled?.dueNow ?? false;
  }

  async settleSend(claim: SendClaim, settlement: SendSettlement): Promise<boolean> {
    const settled = await this.sendSettles.push(claim.tenantId, settlement);
    return settled?.dueNow ?? false;
  }
}

/** Replies that cannot be stored fail the visitor message with the reason; the chat moves on. */
function rescueAgent(item: AgentSettlement, error: unknown): AgentSettlement | null {
  const reason = wellFormedExcerpt(`The outcome could not be stored: ${(error as Error)?.message ?? String(error)}`);
  if (item.outcome === 'answered') return { ...item, outcome: 'failed', replies: [], lastError: reason };
  if (item.lastError !== null) return { ...item, lastError: wellFormedExcerpt(item.lastError) };
  return null;
}
