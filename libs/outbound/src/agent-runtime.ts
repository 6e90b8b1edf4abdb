import type { AgentAnswer } from '#conversations';
import type { AttemptVerdict } from '#lanes';

/** What the Agent runtime receives for one visitor message (protocol section 3). */
export interface AgentEvent {
  type: 'message';
  agentId: string;
  channelId: string;
  chatId: string;
  channelChatId: string;
  variables: Record<string, string>;
  visitorId: string;
  message: { id: string; clientMessageId: string | null; text: string };
}

/** What every event of a chat tells the runtime, beside its type. */
interface ChatEventBase {
  agentId: string;
  channelId: string;
  chatId: string;
  channelChatId: string;
}

/**
 * Events that tell the runtime something and expect no replies (protocol section 3): the client server closed the
 * chat, or (AGENT_DELIVERY_EVENTS) a reply or an action reached its final outcome.
 */
export type AgentNotice =
  | (ChatEventBase & {
      type: 'chat_closed';
      /** The stored event's id: the same on every retry of this notice. */
      id: string;
      visitorId: string;
      variables: Record<string, string>;
    })
  | (ChatEventBase & {
      type: 'delivery';
      /** The report's id: the same on every retry of this notice. */
      id: string;
      delivery: {
        messageId: string;
        kind: string;
        outcome: 'delivered' | 'failed' | 'skipped';
        error: string | null;
        at: string;
      };
    });

/** A runtime call that produced no replies; the verdict says whether waiting may help. */
export class AgentCallFailed extends Error {
  constructor(readonly verdict: Exclude<AttemptVerdict, { outcome: 'success' | 'later' }>) {
    super(verdict.error);
    this.name = 'AgentCallFailed';
  }
}

/** The DI token: the HTTP runtime, or the built-in echo agent outside production when AGENT_RUNTIME_URL is unset. */
export abstract class AgentRuntime {
  /** Resolves with the replies and actions in order, or rejects with AgentCallFailed. */
  abstract respond(event: AgentEvent): Promise<AgentAnswer>;

  /** Resolves once the runtime has taken the notice (any 2xx; its body is ignored), or rejects with AgentCallFailed. */
  abstract notify(notice: AgentNotice): Promise<void>;
}

/** A runtime call that threw: its verdict when it was judged (AgentCallFailed), else to be tried again. */
export function verdictOfFailure(error: unknown): Exclude<AttemptVerdict, { outcome: 'success' }> {
  if (error instanceof AgentCallFailed) return error.verdict;
  return {
    outcome: 'retry',
    error: `The Agent runtime call failed: ${(error as Error)?.message ?? String(error)}`,
    retryAfterMs: null,
  };
}
