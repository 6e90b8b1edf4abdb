import { SpanKind, type Tracing } from '#common';
import type { Attempted } from '#lanes';

/** What a lane attempt's span is named and says, beside the chat, the message and the attempt's number. */
export interface AttemptSpan {
  name: string;
  /** The W3C traceparent stored with the message: the span continues that trace, on whichever replica. */
  traceContext: string | null;
  messageId: string;
  /** The attempt's number attribute (`agent.attempt`, `delivery.attempt`) and its value. */
  attempt: [string, number];
  attributes?: Record<string, string>;
}

/**
 * One lane attempt (an Agent call, a send) as a client span of its message's trace: its verdict becomes
 * `<prefix>.outcome`, and a retry or a failure marks the span failed with the verdict's error.
 */
export function tracedAttempt<R>(
  tracing: Tracing,
  claim: { channelId: string; chatId: string },
  span: AttemptSpan,
  run: () => Promise<Attempted<R>>,
): Promise<Attempted<R>> {
  const [attemptKey, attempt] = span.attempt;
  return tracing.span(
    span.name,
    {
      kind: SpanKind.CLIENT,
      parent: { traceparent: span.traceContext },
      attributes: {
        ...span.attributes,
        'channel.id': claim.channelId,
        'chat.id': claim.chatId,
        'message.id': span.messageId,
        [attemptKey]: attempt,
      },
    },
    async (handle) => {
      const attempted = await run();
      const { verdict } = attempted;
      handle.setAttributes({ [attemptKey.replace(/\.attempt$/, '.outcome')]: verdict.outcome });
      if (verdict.outcome === 'retry' || verdict.outcome === 'failed') handle.fail(verdict.error);
      return attempted;
    },
  );
}
