export { ConversationsModule } from './conversations.module.js';
export { ChatEntity, channelChatIdOf, clientChatIdOf } from './chat.entity.js';
export { MessageEntity } from './message.entity.js';
export { AgentReportEntity } from './agent-report.entity.js';
export {
  type MessageDirection,
  type InboundStatus,
  type OutboundStatus,
  type MessageStatus,
} from './message-status.js';
export {
  draftsFor,
  actionRefusal,
  readReply,
  readAction,
  parseAgentAnswer,
  MAX_REPLIES,
  MAX_ACTIONS,
  type AgentReply,
  type AgentAction,
  type AgentAnswer,
  type OutboundDraft,
  type Button,
} from './replies.js';
export { DataLifecycleWorker, type SweepResult } from './lifecycle/data-lifecycle.worker.js';
export { ENDED_STATUSES } from './message-status.js';
