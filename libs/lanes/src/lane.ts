/** The two lanes of a chat: towards the Agent runtime, and towards the client server. */
export type Lane = 'agent' | 'send';
export const LANES: readonly Lane[] = ['agent', 'send'];
