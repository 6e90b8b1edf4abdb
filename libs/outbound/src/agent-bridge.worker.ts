import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { Job } from 'pg-boss';
import { AppConfig, Coalescer } from '#common';
import { CHAT_FIFO_QUEUE, QueueService, SqlTransactions } from '#database';
import { AGENT_DELIVER_QUEUE, channelChatIdOf, type AgentDeliveryJob } from '#inbound';
import { draftsFor, type AgentReply } from './agent-replies.js';
import { AgentCallFailed, AgentRuntime, type AgentEvent } from './agent-runtime.js';
import { nextRetryDelayMs } from './delivery-policy.js';
import { OutboundMessages } from './outbound-messages.js';
import { OutboundMetrics } from './outbound.metrics.js';
import { AttemptSettler } from './attempt-settler.js';
import { OutboundRepository, type InboundWork } from './outbound.repository.js';

/**
 * Hands each accepted visitor message to the Agent runtime, FIFO per chat, and turns its replies into outbound
 * messages: the replies, their delivery jobs and the visitor message becoming `answered` commit together.
 */
@Injectable()
export class AgentBridge implements OnModuleInit {
  private readonly logger = new Logger(AgentBridge.name);
  /** Jobs fetched together load together. */
  private readonly loads: Coalescer<string, InboundWork | null>;

  constructor(
    private readonly config: AppConfig,
    private readonly queue: QueueService,
    private readonly transactions: SqlTransactions,
    private readonly settler: AttemptSettler,
    private readonly outbound: OutboundRepository,
    private readonly messages: OutboundMessages,
    private readonly runtime: AgentRuntime,
    private readonly metrics: OutboundMetrics,
  ) {
    this.loads = new Coalescer((ids) => this.outbound.loadInbound(ids));
  }

  async onModuleInit(): Promise<void> {
    await this.queue.ensureQueue(AGENT_DELIVER_QUEUE, CHAT_FIFO_QUEUE);
    await this.queue.work<AgentDeliveryJob>(AGENT_DELIVER_QUEUE, { batchSize: 20, loops: 2 }, (job) => this.handOff(job));
  }

  async handOff(job: Job<AgentDeliveryJob>): Promise<void> {
    const work = await this.loads.push(job.data.messageId);
    if (!work || work.status !== 'received') return this.settler.release(AGENT_DELIVER_QUEUE, job);
    const started = performance.now();
    let replies: AgentReply[] | null = null;
    let failure: AgentCallFailed | null = null;
    try {
      replies = await this.runtime.respond(eventFor(work));
    } catch (error) {
      if (!(error instanceof AgentCallFailed)) throw error;
      failure = error;
    }
    const seconds = (performance.now() - started) / 1000;
    if (replies) {
      // The replies, their jobs and the visitor message becoming answered commit together; the job is completed
      // after the commit (a job whose message is already answered is completed without calling the Agent again).
      await this.transactions.run((tx) => this.messages.enqueue(tx, { tenantId: work.tenantId, channelId: work.channelId, chatId: work.chatId }, draftsFor(replies), work.id));
      await this.settler.release(AGENT_DELIVER_QUEUE, job);
      this.metrics.agentCall('answered', seconds);
      return;
    }
    const verdict = (failure as AgentCallFailed).verdict;
    const attempts = work.attempts + 1 - (job.data.attemptsBefore ?? 0);
    const delay = verdict.outcome === 'retry' ? nextRetryDelayMs(this.config.deliveryRetryDelaysMs, attempts, verdict.retryAfterMs) : null;
    const retryAt = delay === null ? null : new Date(Date.now() + delay);
    await this.settler.settle(AGENT_DELIVER_QUEUE, job, { id: work.id, status: retryAt ? 'received' : 'failed', lastError: verdict.error }, retryAt);
    this.metrics.agentCall(retryAt ? 'retried' : 'failed', seconds);
    this.logger.warn({ messageId: work.id, chatId: work.chatId, attempts: work.attempts + 1, reason: verdict.error, retryAt }, retryAt ? 'Agent runtime call failed; retrying' : 'Agent runtime call failed finally');
  }
}

function eventFor(work: InboundWork): AgentEvent {
  return {
    agentId: work.agentId,
    channelId: work.channelId,
    chatId: work.chatId,
    channelChatId: channelChatIdOf(work),
    variables: work.variables,
    visitorId: work.visitorId,
    message: { id: work.id, clientMessageId: work.clientMessageId, text: work.text },
  };
}
