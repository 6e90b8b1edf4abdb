export type MessageDirection = 'inbound' | 'outbound';
/** A visitor message: waiting for the Agent (`received`), answered by it, or given up on. */
export type InboundStatus = 'received' | 'answered' | 'failed';
/** A reply: waiting for the client server (`queued`), delivered (2xx), or given up on. */
export type OutboundStatus = 'queued' | 'delivered' | 'failed';
export type MessageStatus = InboundStatus | OutboundStatus;
