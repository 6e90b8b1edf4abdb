import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '#common';
import { channelChatIdOf } from '#conversations';
import { ChatLanes, type Attempted, type LaneAttempt, type LaneWorker, type ReportClaim } from '#lanes';
import { AgentRuntime, verdictOfFailure } from './agent-runtime.js';
import { LANE_SLOTS, SHUTDOWN_GRACE_MS } from './lane-settings.js';

type Head = NonNullable<ReportClaim['message']>;

/**
 * The report lane's attempt (AGENT_DELIVERY_EVENTS): tells the Agent runtime a reply's or an action's final outcome,
 * `POST {AGENT_RUNTIME_URL}/events` with `"type": "delivery"`, one at a time per chat in the order the outcomes were
 * reached. The lane is the chat's third: a runtime that is slow or away holds these reports and nothing else.
 */
@Injectable()
export class AgentReporter
  implements LaneAttempt<ReportClaim, Head, never>, OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly worker: LaneWorker<ReportClaim>;

  constructor(
    config: AppConfig,
    lanes: ChatLanes,
    private readonly runtime: AgentRuntime,
  ) {
    this.worker = lanes.reportWorker({ slots: LANE_SLOTS.report, perChannel: config.channelMaxInFlight }, this);
  }

  onApplicationBootstrap(): void {
    this.worker.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.worker.stop(SHUTDOWN_GRACE_MS);
  }

  async attempt(claim: ReportClaim, report: Head): Promise<Attempted<never>> {
    try {
      await this.runtime.notify({
        type: 'delivery',
        id: report.id,
        agentId: claim.agentId,
        channelId: claim.channelId,
        chatId: claim.chatId,
        channelChatId: channelChatIdOf(claim),
        delivery: {
          messageId: report.messageId,
          kind: report.messageKind,
          outcome: report.outcome,
          error: report.error,
          at: new Date(report.at).toISOString(),
        },
      });
      return { verdict: { outcome: 'success' } };
    } catch (error) {
      return { verdict: verdictOfFailure(error) };
    }
  }
}
