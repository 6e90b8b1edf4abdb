import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { AppConfig, OutboundHttpClient } from '#common';
import { AgentBridge } from './agent-bridge.worker.js';
import { AgentReporter } from './agent-reporter.worker.js';
import { AgentRuntime } from './agent-runtime.js';
import { Dispatcher } from './dispatcher.worker.js';
import { EchoAgentRuntime } from './echo-agent.runtime.js';
import { HttpAgentRuntime } from './http-agent.runtime.js';
import { OutboundMetrics } from './outbound.metrics.js';

/** AGENT_RUNTIME_URL picks the HTTP runtime; without it (never in production, see the config) the echo agent answers. */
const agentRuntime: Provider = {
  provide: AgentRuntime,
  inject: [AppConfig, OutboundHttpClient],
  useFactory: (config: AppConfig, http: OutboundHttpClient) =>
    config.agentRuntimeUrl === null ? new EchoAgentRuntime() : new HttpAgentRuntime(config, http),
};

/**
 * The lane workers (worker roles): the Agent bridge, the send_message dispatcher and, with AGENT_DELIVERY_EVENTS, the
 * reporter of delivery outcomes; metrics for every role.
 */
@Module({})
export class OutboundModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: OutboundModule,
      providers: [
        OutboundMetrics,
        ...(config.runsWorkers ? [agentRuntime, AgentBridge, Dispatcher] : []),
        ...(config.runsWorkers && config.agentDeliveryEvents ? [AgentReporter] : []),
      ],
    };
  }
}
