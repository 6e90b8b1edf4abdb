import { Injectable } from '@nestjs/common';
import { AppConfig, USER_AGENT } from '#common';
import { parseAgentAnswer, type AgentReply } from '#conversations';
import { AgentCallFailed, AgentRuntime, type AgentEvent } from './agent-runtime.js';
import { judgeAnswer } from './delivery-policy.js';

/** The whole call, connection included; the runtime is a Platform service, so it is not behind the SSRF filter. */
export const AGENT_CALL_TIMEOUT_MS = 10_000;
const MAX_ANSWER_BYTES = 1024 * 1024;

/** `POST {AGENT_RUNTIME_URL}/events`; failures are judged like deliveries (408, 429, 5xx and no answer are retried). */
@Injectable()
export class HttpAgentRuntime extends AgentRuntime {
  private readonly url: string;

  constructor(config: AppConfig) {
    super();
    if (config.agentRuntimeUrl === null) throw new Error('HttpAgentRuntime needs AGENT_RUNTIME_URL');
    this.url = `${config.agentRuntimeUrl}/events`;
  }

  async respond(event: AgentEvent): Promise<AgentReply[]> {
    let response: Response;
    let body: string;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', 'user-agent': USER_AGENT },
        body: JSON.stringify(event),
        redirect: 'manual',
        signal: AbortSignal.timeout(AGENT_CALL_TIMEOUT_MS),
      });
      body = await response.text();
    } catch (error) {
      throw new AgentCallFailed({ outcome: 'retry', error: describeFetchError(error), retryAfterMs: null });
    }
    const verdict = judgeAnswer({
      status: response.status,
      bodyExcerpt: body.slice(0, 500),
      retryAfter: response.headers.get('retry-after') ?? undefined,
    });
    if (verdict.outcome !== 'success')
      throw new AgentCallFailed({ ...verdict, error: `Agent runtime answered ${verdict.error}` });
    if (Buffer.byteLength(body) > MAX_ANSWER_BYTES)
      throw new AgentCallFailed({ outcome: 'fail', error: 'The Agent runtime answered with a body over 1 MiB' });
    try {
      return parseAgentAnswer(body);
    } catch (error) {
      throw new AgentCallFailed({ outcome: 'fail', error: (error as Error).message });
    }
  }
}

function describeFetchError(error: unknown): string {
  const name = (error as { name?: string } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError')
    return `Agent runtime did not answer within ${AGENT_CALL_TIMEOUT_MS / 1000} s`;
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  return `Agent runtime unreachable: ${cause?.code ?? cause?.message ?? (error as Error)?.message ?? String(error)}`.slice(
    0,
    300,
  );
}
