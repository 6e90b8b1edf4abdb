import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsService } from '#common';
import { AGENT_DELIVER_QUEUE } from '#inbound';
import { OutboundRepository } from './outbound.repository.js';
import { SEND_MESSAGE_QUEUE } from './send-message.job.js';

export type AttemptOutcome = 'delivered' | 'retried' | 'failed';
export type AgentOutcome = 'answered' | 'retried' | 'failed';

/** Deliveries by outcome, queued → 2xx latency, Agent call latency, and queue depth read live at each scrape. */
@Injectable()
export class OutboundMetrics {
  private readonly deliveries: Counter<'outcome'>;
  private readonly latency: Histogram;
  private readonly agentCalls: Histogram<'outcome'>;

  constructor(metrics: MetricsService, outbound: OutboundRepository) {
    const registers = [metrics.registry];
    this.deliveries = new Counter({ name: 'outbound_deliveries_total', help: 'send_message attempts, by outcome: delivered, retried or failed (finally).', labelNames: ['outcome'] as const, registers });
    this.latency = new Histogram({
      name: 'outbound_delivery_latency_seconds',
      help: 'From an outbound message being queued to the client server answering 2xx.',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 7200],
      registers,
    });
    this.agentCalls = new Histogram({
      name: 'agent_call_duration_seconds',
      help: 'Agent runtime calls, by outcome: answered, retried or failed (finally).',
      labelNames: ['outcome'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    new Gauge({
      name: 'queue_depth',
      help: 'Jobs waiting (created), waiting to be retried (retry) or running (active), by queue.',
      labelNames: ['queue', 'state'] as const,
      registers,
      async collect() {
        this.reset();
        for (const queue of [AGENT_DELIVER_QUEUE, SEND_MESSAGE_QUEUE]) for (const state of ['created', 'retry', 'active']) this.set({ queue, state }, 0);
        for (const row of await outbound.queueDepth([AGENT_DELIVER_QUEUE, SEND_MESSAGE_QUEUE])) this.set({ queue: row.name, state: row.state }, row.count);
      },
    });
  }

  delivery(outcome: AttemptOutcome, queuedAt?: Date): void {
    this.deliveries.inc({ outcome });
    if (outcome === 'delivered' && queuedAt) this.latency.observe((Date.now() - queuedAt.getTime()) / 1000);
  }

  agentCall(outcome: AgentOutcome, seconds: number): void {
    this.agentCalls.observe({ outcome }, seconds);
  }
}
