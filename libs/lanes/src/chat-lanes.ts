import { Injectable, Logger } from '@nestjs/common';
import { AppConfig, wellFormedExcerpt } from '#common';
import {
  DatabaseOutage,
  PreparedStatements,
  SqlTransactions,
  type PreparedStatement,
  type SqlTransaction,
} from '#database';
import { processClaim, type HeadMessage, type LaneAttempt, type Settling } from './lane-processor.js';
import { LaneWakeups } from './lane-wakeups.js';
import { LaneWorker } from './lane-worker.js';
import type { Lane } from './lane.js';
import {
  ChatLanesRepository,
  type AgentClaim,
  type AgentSettlement,
  type ClaimLimits,
  type LaneClaim,
  type ReportClaim,
  type ReportSettlement,
  type SendClaim,
  type SendSettlement,
  type SettledLane,
} from './lanes.repository.js';
import { SettleBatches } from './settle-batches.js';

export interface LaneWorkerSettings {
  slots: number;
  perChannel: number;
}

/** A reply as the Agent lane queues it: what an Agent attempt produces on success. */
export type QueuedReply = AgentSettlement['replies'][number];

type AgentHead = NonNullable<AgentClaim['message']>;
type SendHead = NonNullable<SendClaim['message']>;
type ReportHead = NonNullable<ReportClaim['message']>;

/**
 * The delivery engine (docs/architecture.md, "Delivery engine: chat lanes"), and the only code that writes lane state:
 * its workers claim due chats, run the lane's attempt on their head message and settle the outcome (settles of one
 * tenant made close together are written in one statement); the statements of other libs that add work to a lane
 * (the inbound accept, a reply written first, a retry) go through `write` and `transaction`, with the SQL of
 * lane-sql.ts, and the lane's workers are woken once they have committed.
 */
@Injectable()
export class ChatLanes {
  private readonly logger = new Logger(ChatLanes.name);
  private readonly agentSettles: SettleBatches<
    AgentSettlement,
    SettledLane & { sendDueNow: boolean; reported: boolean }
  >;
  private readonly sendSettles: SettleBatches<SendSettlement, SettledLane & { reported: boolean }>;
  private readonly reportSettles: SettleBatches<ReportSettlement, SettledLane>;

  constructor(
    private readonly lanes: ChatLanesRepository,
    private readonly wakeups: LaneWakeups,
    private readonly statements: PreparedStatements,
    private readonly transactions: SqlTransactions,
    private readonly config: AppConfig,
    private readonly outage: DatabaseOutage,
  ) {
    this.agentSettles = new SettleBatches({
      write: (batch) => this.lanes.settleAgent(batch, this.config.agentDeliveryEvents),
      keyOfItem: (item) => item.chatId,
      keyOfResult: (row) => row.chatId,
      rescue: (item, error) => rescueAgent(item, error),
      logger: this.logger,
    });
    this.sendSettles = new SettleBatches({
      write: (batch) => this.lanes.settleSend(batch, this.config.agentDeliveryEvents),
      keyOfItem: (item) => item.chatId,
      keyOfResult: (row) => row.chatId,
      rescue: rescueLastError,
      logger: this.logger,
    });
    this.reportSettles = new SettleBatches({
      write: (batch) => this.lanes.settleReport(batch),
      keyOfItem: (item) => item.chatId,
      keyOfResult: (row) => row.chatId,
      rescue: rescueLastError,
      logger: this.logger,
    });
  }

  /**
   * Runs one autocommitted statement that adds work to `lane` (its SQL from lane-sql.ts), then wakes the lane's
   * workers, here at once and on other replicas within ~10 ms, when `added` says it did add work.
   */
  async write<T>(
    lane: Lane,
    statement: PreparedStatement,
    params: unknown[],
    added: (rows: T[]) => boolean = () => true,
  ): Promise<T[]> {
    const rows = await this.statements.run<T>(statement, params);
    if (added(rows)) this.wakeups.wake(lane);
    return rows;
  }

  /** Runs `work` in one transaction; once it has committed, wakes the lanes `laneOf` names for its result (if any). */
  async transaction<T>(
    work: (tx: SqlTransaction) => Promise<T>,
    laneOf: (result: T) => Lane | Lane[] | null,
  ): Promise<T> {
    const result = await this.transactions.run(work);
    for (const lane of [laneOf(result) ?? []].flat()) this.wakeups.wake(lane);
    return result;
  }

  /** The Agent lane's worker: `attempt` calls the Agent runtime; on success its result is the replies to queue. */
  agentWorker(
    settings: LaneWorkerSettings,
    lane: LaneAttempt<AgentClaim, AgentHead, QueuedReply[]>,
  ): LaneWorker<AgentClaim> {
    return this.processor<AgentClaim, AgentHead, QueuedReply[]>(
      'agent',
      settings,
      lane,
      (limits) => this.lanes.claimAgent(limits),
      (claim, settling) => this.settleAgent(claim, settling),
    );
  }

  /** The send lane's worker: `attempt` calls the client server. */
  sendWorker(settings: LaneWorkerSettings, lane: LaneAttempt<SendClaim, SendHead, never>): LaneWorker<SendClaim> {
    return this.processor<SendClaim, SendHead, never>(
      'send',
      settings,
      lane,
      (limits) => this.lanes.claimSend(limits),
      (claim, settling) => this.settleSend(claim, settling),
    );
  }

  /**
   * The report lane's worker (AGENT_DELIVERY_EVENTS): `attempt` tells the Agent runtime one final outcome. A report
   * is retried on the delivery schedule and then at its last delay until the runtime takes it (at least once).
   */
  reportWorker(
    settings: LaneWorkerSettings,
    lane: LaneAttempt<ReportClaim, ReportHead, never>,
  ): LaneWorker<ReportClaim> {
    return this.processor<ReportClaim, ReportHead, never>(
      'report',
      settings,
      lane,
      (limits) => this.lanes.claimReport(limits),
      (claim, settling) => this.settleReport(claim, settling),
    );
  }

  private processor<C extends LaneClaim & { message: M | null }, M extends HeadMessage, R>(
    lane: Lane,
    settings: LaneWorkerSettings,
    attempt: LaneAttempt<C, M, R>,
    claim: (limits: ClaimLimits) => Promise<C[]>,
    settle: (claim: C, settling: Settling<R>) => Promise<boolean>,
  ): LaneWorker<C> {
    const worker: LaneWorker<C> = new LaneWorker<C>({
      lane,
      ...settings,
      claim,
      work: (one) =>
        processClaim(
          {
            attempt: attempt.attempt.bind(attempt),
            observe: attempt.observe?.bind(attempt),
            lane,
            retryDelaysMs: this.config.deliveryRetryDelaysMs,
            untilDone: lane === 'report',
            settle,
            wakeAt: (at) => worker.wakeAt(at),
            wake: () => worker.wake(),
            logger: this.logger,
          },
          one,
        ),
      release: (claims) => this.lanes.release(lane, claims),
      logger: this.logger,
      outage: this.outage,
    });
    this.wakeups.register(lane, () => worker.wake());
    return worker;
  }

  /**
   * Records the Agent call's outcome and queues the replies (waking the send lane); true when more waits for the Agent.
   * The processor's settle, batched per tenant (SettleBatches).
   */
  async settleAgent(claim: AgentClaim, settling: Settling<QueuedReply[]>): Promise<boolean> {
    const { result, ...outcome } = settling;
    const settled = await this.agentSettles.push(claim.tenantId, {
      ...outcome,
      replies: result ?? [],
      chatId: claim.chatId,
      lease: claim.lease,
    });
    if (settled?.sendDueNow) this.wakeups.wake('send');
    if (settled?.reported) this.wakeups.wake('report');
    return settled?.dueNow ?? false;
  }

  async settleSend(claim: SendClaim, settling: Settling<never>): Promise<boolean> {
    const { result: _none, ...outcome } = settling;
    const settled = await this.sendSettles.push(claim.tenantId, {
      ...outcome,
      chatId: claim.chatId,
      lease: claim.lease,
    });
    if (settled?.reported) this.wakeups.wake('report');
    return settled?.dueNow ?? false;
  }

  async settleReport(claim: ReportClaim, settling: Settling<never>): Promise<boolean> {
    const { result: _none, ...outcome } = settling;
    const settled = await this.reportSettles.push(claim.tenantId, {
      ...outcome,
      chatId: claim.chatId,
      lease: claim.lease,
    });
    return settled?.dueNow ?? false;
  }
}

/** An outcome that cannot be written as it is: its lastError made storable (cut, scrubbed), else nothing to do. */
function rescueLastError<T extends { lastError: string | null }>(item: T): T | null {
  return item.lastError === null ? null : { ...item, lastError: wellFormedExcerpt(item.lastError) };
}

/** Replies that cannot be stored fail the visitor message with the reason; the chat moves on. */
function rescueAgent(item: AgentSettlement, error: unknown): AgentSettlement | null {
  const reason = wellFormedExcerpt(`The outcome could not be stored: ${(error as Error)?.message ?? String(error)}`);
  if (item.outcome === 'success') return { ...item, outcome: 'failed', replies: [], lastError: reason };
  if (item.lastError !== null) return { ...item, lastError: wellFormedExcerpt(item.lastError) };
  return null;
}
