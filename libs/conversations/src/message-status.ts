export type MessageDirection = 'inbound' | 'outbound';
/** A visitor message: waiting for the Agent (`received`), answered by it, or given up on. */
export type InboundStatus = 'received' | 'answered' | 'failed';
/** A reply: waiting for the client server (`queued`), delivered (2xx), or given up on. */
export type OutboundStatus = 'queued' | 'delivered' | 'failed';
export type MessageStatus = InboundStatus | OutboundStatus;

/** The statuses a message ends its life in: only such a message is ever deleted by retention. */
export const ENDED_STATUSES = ['answered', 'delivered', 'failed'] as const satisfies readonly MessageStatus[];
