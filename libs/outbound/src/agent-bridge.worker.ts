import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig, Tracing, uuid7 } from '#common';
import { capabilitiesOf } from '#channels';
import { channelChatIdOf, draftsFor } from '#conversations';
import {
  ChatLanes,
  type AgentClaim,
  type Attempted,
  type LaneAttempt,
  type LaneWorker,
  type Outcome,
  type QueuedReply,
} from '#lanes';
import { AgentRuntime, verdictOfFailure, type AgentEvent } from './agent-runtime.js';
import { LANE_SLOTS, SHUTDOWN_GRACE_MS } from './lane-settings.js';
import { OutboundMetrics } from './outbound.metrics.js';
import { tracedAttempt } from './traced-attempt.js';

type Head = NonNullable<AgentClaim['message']>;

/**
 * The Agent lane's attempt: hands a chat's oldest waiting visitor message to the Agent runtime; its replies, on success,
 * are what the lane queues for the client server. Claiming, the retry schedule and the settle are the lanes'.
 */
@Injectable()
export class AgentBridge
  implements LaneAttempt<AgentClaim, Head, QueuedReply[]>, OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly worker: LaneWorker<AgentClaim>;

  constructor(
    config: AppConfig,
    lanes: ChatLanes,
    private readonly runtime: AgentRuntime,
    private readonly metrics: OutboundMetrics,
    private readonly tracing: Tracing,
  ) {
    this.worker = lanes.agentWorker({ slots: LANE_SLOTS.agent, perChannel: config.channelMaxInFlight }, this);
  }

  onApplicationBootstrap(): void {
    this.worker.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.worker.stop(SHUTDOWN_GRACE_MS);
  }

  /** The Agent call continues the visitor message's trace (stored with it), on whichever replica claims it. */
  attempt(claim: AgentClaim, message: Head): Promise<Attempted<QueuedReply[]>> {
    return tracedAttempt(
      this.tracing,
      claim,
      {
        name: message.kind === CHAT_CLOSED ? 'agent notify chat_closed' : 'agent call',
        traceContext: message.traceContext,
        messageId: message.id,
        attempt: ['agent.attempt', message.attempts + 1],
      },
      () => this.call(claim, message),
    );
  }

  private async call(claim: AgentClaim, message: Head): Promise<Attempted<QueuedReply[]>> {
    try {
      if (message.kind === CHAT_CLOSED) {
        // The client server closed the chat: the runtime is told, in the chat's order, and answers nothing.
        await this.runtime.notify({
          type: 'chat_closed',
          id: message.id,
          ...chatOf(claim),
          visitorId: claim.visitorId,
          variables: claim.variables,
        });
        return { verdict: { outcome: 'success' }, result: [] };
      }
      const { replies, actions } = await this.runtime.respond(eventFor(claim, message));
      // Each reply's send_message attempts continue this call's trace.
      const traceContext = this.tracing.traceparent();
      return {
        verdict: { outcome: 'success' },
        result: draftsFor(replies, capabilitiesOf(claim.capabilities), actions).map((draft) => ({
          ...draft,
          id: uuid7(),
          traceContext,
        })),
      };
    } catch (error) {
      return { verdict: verdictOfFailure(error) };
    }
  }

  observe(outcome: Outcome, _claim: AgentClaim, _message: Head, seconds: number): void {
    this.metrics.agentCall(outcome, seconds);
  }
}

/** An inbound message of this kind is the client server's `chat_closed` event (protocol section 1, row 6b). */
const CHAT_CLOSED = 'chat_closed';

function chatOf(claim: AgentClaim): { agentId: string; channelId: string; chatId: string; channelChatId: string } {
  return {
    agentId: claim.agentId,
    channelId: claim.channelId,
    chatId: claim.chatId,
    channelChatId: channelChatIdOf(claim),
  };
}

function eventFor(claim: AgentClaim, message: Head): AgentEvent {
  return {
    type: 'message',
    ...chatOf(claim),
    variables: claim.variables,
    visitorId: claim.visitorId,
    message: { id: message.id, clientMessageId: message.clientMessageId, text: message.text },
  };
}
