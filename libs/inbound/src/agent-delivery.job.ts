/** The pg-boss queue that hands accepted visitor messages to the Agent bridge, FIFO per chat. */
export const AGENT_DELIVER_QUEUE = 'agent-deliver';

export interface AgentDeliveryJob {
  tenantId: string;
  channelId: string;
  chatId: string;
  messageId: string;
  /** The message's attempt count when it was (re)queued (absent: 0); the retry schedule starts over from there. */
  attemptsBefore?: number;
}
