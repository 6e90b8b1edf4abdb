export { ConversationsModule } from './conversations.module.js';
export { ChatEntity, channelChatIdOf, clientChatIdOf } from './chat.entity.js';
export { MessageEntity } from './message.entity.js';
export {
  LANES,
  type Lane,
  type MessageDirection,
  type InboundStatus,
  type OutboundStatus,
  type MessageStatus,
} from './message-status.js';
export { ChatLanes, type LaneWorkerSettings } from './chat-lanes.service.js';
export { LaneWorker, LANE_POLL_MS, CLAIM_BATCH } from './lane-worker.js';
export {
  LEASE_MS,
  type AgentClaim,
  type SendClaim,
  type AgentSettlement,
  type SendSettlement,
  type LaneDepth,
} from './chat-lanes.repository.js';
export { ChatLanesRepository } from './chat-lanes.repository.js';
export {
  draftsFor,
  readReply,
  parseAgentAnswer,
  MAX_REPLIES,
  type AgentReply,
  type OutboundDraft,
  type Button,
} from './replies.js';
