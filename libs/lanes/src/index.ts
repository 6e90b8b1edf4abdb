export { LanesModule } from './lanes.module.js';
export { LANES, type Lane } from './lane.js';
export { laneSql } from './lane-sql.js';
export { ChatLanes, type LaneWorkerSettings, type QueuedReply } from './chat-lanes.js';
export { LaneWorker, LANE_POLL_MS, CLAIM_BATCH, FAIRNESS_PROBE_MS } from './lane-worker.js';
export { type Attempted, type LaneAttempt, type HeadMessage } from './lane-processor.js';
export {
  ChatLanesRepository,
  LEASE_MS,
  type AgentClaim,
  type SendClaim,
  type ReportClaim,
  type AgentSettlement,
  type SendSettlement,
  type SettleOutcome,
  type LaneDepth,
} from './lanes.repository.js';
export {
  decide,
  judgeAnswer,
  judgeFailure,
  nextRetryDelayMs,
  parseRetryAfter,
  outcomeLabel,
  RETRY_AFTER_CAP_MS,
  type AttemptVerdict,
  type Decision,
  type HttpAnswer,
  type Outcome,
} from './outcomes.js';
export { ChannelHealth } from './channel-health.js';
