/** The pg-boss queue of outbound messages, FIFO per chat: one job per `send_message`. */
export const SEND_MESSAGE_QUEUE = 'send-message';

export interface SendMessageJob {
  messageId: string;
  chatId: string;
  /** The message's attempt count when it was (re)queued: the retry schedule starts over from there. */
  attemptsBefore: number;
}
