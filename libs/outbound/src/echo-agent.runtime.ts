import { Injectable } from '@nestjs/common';
import type { AgentAnswer } from '#conversations';
import { AgentRuntime, type AgentEvent, type AgentNotice } from './agent-runtime.js';

/**
 * So that a fresh checkout works end to end with no Agent runtime: every message is answered `Echo: <text>`; `/operator`
 * is also handed to a human (a `redirect` action to the general queue) and `/close` closes the chat (a `close`
 * action), sent only on a channel whose capabilities accept them (docs/protocol.md, Extensions).
 */
@Injectable()
export class EchoAgentRuntime extends AgentRuntime {
  respond(event: AgentEvent): Promise<AgentAnswer> {
    const text = event.message.text.trim();
    const actions =
      text === '/operator' ? [{ type: 'redirect' as const }] : text === '/close' ? [{ type: 'close' as const }] : [];
    return Promise.resolve({ replies: [{ text: `Echo: ${event.message.text}` }], actions });
  }

  /** The echo agent keeps no state: a closed chat or a delivery outcome changes nothing for it. */
  notify(_notice: AgentNotice): Promise<void> {
    return Promise.resolve();
  }
}
