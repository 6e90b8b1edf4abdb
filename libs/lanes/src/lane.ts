/**
 * The lanes of a chat: towards the Agent runtime (visitor messages, client events), towards the client server (replies
 * and actions), and, with AGENT_DELIVERY_EVENTS, the report lane (replies' final outcomes, back to the Agent runtime).
 */
export type Lane = 'agent' | 'send' | 'report';
export const LANES: readonly Lane[] = ['agent', 'send', 'report'];
