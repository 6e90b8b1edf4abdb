import { Injectable } from '@nestjs/common';
import type { AgentReply } from '#conversations';
import { AgentRuntime, type AgentEvent } from './agent-runtime.js';

/** So that a fresh checkout works end to end with no Agent runtime: every message is answered `Echo: <text>`. */
@Injectable()
export class EchoAgentRuntime extends AgentRuntime {
  respond(event: AgentEvent): Promise<AgentReply[]> {
    return Promise.resolve([{ text: `Echo: ${event.message.text}` }]);
  }
}
