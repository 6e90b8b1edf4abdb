import { Injectable } from '@nestjs/common';
import { AppConfig, OutboundFailure, OutboundHttpClient, redactSecrets, wellFormedExcerpt } from '#common';
import { parseAgentAnswer, type AgentAnswer } from '#conversations';
import { AgentCallFailed, AgentRuntime, type AgentEvent, type AgentNotice } from './agent-runtime.js';
import { judgeAnswer } from '#lanes';

/** The whole call, connection and body included; the runtime is a Platform service, not behind the SSRF filter. */
export const AGENT_CALL_TIMEOUT_MS = 10_000;
/** An answer is read up to this size (decompressed) and no further: a larger one is an invalid answer. */
export const MAX_ANSWER_BYTES = 1024 * 1024;
const EXCERPT_CHARS = 500;

/** `POST {AGENT_RUNTIME_URL}/events`; failures are judged like deliveries (408, 429, 5xx and no answer are retried). */
@Injectable()
export class HttpAgentRuntime extends AgentRuntime {
  private readonly url: string;
  /** The runtime is never sent the operator token; were it to echo it anyway, it stays out of lastError. */
  private readonly secrets: string[];

  constructor(
    config: AppConfig,
    private readonly http: OutboundHttpClient,
  ) {
    super();
    if (config.agentRuntimeUrl === null) throw new Error('HttpAgentRuntime needs AGENT_RUNTIME_URL');
    this.url = `${config.agentRuntimeUrl}/events`;
    this.secrets = [config.platformAdminToken];
  }

  async respond(event: AgentEvent): Promise<AgentAnswer> {
    const { read, body } = await this.call(event);
    if (read.error !== undefined)
      throw new AgentCallFailed({
        outcome: 'retry',
        error: describeFailure(read.error, "The Agent runtime's answer broke off"),
        retryAfterMs: null,
      });
    if (!read.complete)
      throw new AgentCallFailed({ outcome: 'failed', error: 'The Agent runtime answered with a body over 1 MiB' });
    try {
      return parseAgentAnswer(body);
    } catch (error) {
      throw new AgentCallFailed({ outcome: 'failed', error: (error as Error).message });
    }
  }

  async notify(notice: AgentNotice): Promise<void> {
    await this.call(notice);
  }

  /** One `POST /events`, judged like a delivery: resolves with a 2xx's body, rejects with AgentCallFailed. */
  private async call(event: AgentEvent | AgentNotice): Promise<{ read: ExchangeBody; body: string }> {
    let answer: Awaited<ReturnType<OutboundHttpClient['exchange']>>;
    try {
      answer = await this.http.exchange(
        { peer: 'agent-runtime', method: 'POST', url: this.url, body: event, timeoutMs: AGENT_CALL_TIMEOUT_MS },
        MAX_ANSWER_BYTES,
      );
    } catch (error) {
      throw new AgentCallFailed({ outcome: 'retry', error: describeFailure(error), retryAfterMs: null });
    }
    const { status, headers, body: read } = answer;
    const body = new TextDecoder().decode(read.bytes);
    const verdict = judgeAnswer({
      status,
      bodyExcerpt: wellFormedExcerpt(redactSecrets(body, this.secrets), EXCERPT_CHARS),
      retryAfter: headers['retry-after'],
    });
    if (verdict.outcome !== 'success')
      throw new AgentCallFailed({ ...verdict, error: `Agent runtime answered ${verdict.error}` });
    return { read, body };
  }
}

type ExchangeBody = Awaited<ReturnType<OutboundHttpClient['exchange']>>['body'];

function describeFailure(error: unknown, what = 'Agent runtime unreachable'): string {
  if (error instanceof OutboundFailure && error.kind === 'timeout' && !error.message.includes('connecting'))
    return `Agent runtime did not answer within ${AGENT_CALL_TIMEOUT_MS / 1000} s`;
  const message = error instanceof Error ? error.message : String(error);
  return wellFormedExcerpt(`${what}: ${message}`, 300);
}
