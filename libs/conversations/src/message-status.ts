export type MessageDirection = 'inbound' | 'outbound';
/** A visitor message: waiting for the Agent (`received`), answered by it, or given up on. */
export type InboundStatus = 'received' | 'answered' | 'failed';
/**
 * A reply or an action: waiting for the client server (`queued`), delivered (2xx), given up on, or, for an action
 * the channel does not accept, never sent (`skipped`, with the reason in lastError).
 */
export type OutboundStatus = 'queued' | 'delivered' | 'failed' | 'skipped';
export type MessageStatus = InboundStatus | OutboundStatus;

/** The statuses a message ends its life in: only such a message is ever deleted by retention. */
export const ENDED_STATUSES = [
  'answered',
  'delivered',
  'failed',
  'skipped',
] as const satisfies readonly MessageStatus[];
