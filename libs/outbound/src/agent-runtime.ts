import type { AgentAnswer } from '#conversations';
import type { AttemptVerdict } from '#lanes';

/** What the Agent runtime receives for one visitor message (protocol section 3). */
export interface AgentEvent {
  agentId: string;
  channelId: string;
  chatId: string;
  channelChatId: string;
  variables: Record<string, string>;
  visitorId: string;
  message: { id: string; clientMessageId: string | null; text: string };
}

/** A runtime call that produced no replies; the verdict says whether waiting may help. */
export class AgentCallFailed extends Error {
  constructor(readonly verdict: Exclude<AttemptVerdict, { outcome: 'success' }>) {
    super(verdict.error);
    this.name = 'AgentCallFailed';
  }
}

/** The DI token: the HTTP runtime, or the built-in echo agent outside production when AGENT_RUNTIME_URL is unset. */
export abstract class AgentRuntime {
  /** Resolves with the replies and actions in order, or rejects with AgentCallFailed. */
  abstract respond(event: AgentEvent): Promise<AgentAnswer>;
}
