import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsService } from '#common';
import { ChatLanesRepository, outcomeLabel, type Outcome } from '#lanes';

/** Deliveries by outcome, queued → 2xx latency, Agent call latency, and lane depth read live at each scrape. */
@Injectable()
export class OutboundMetrics {
  private readonly deliveries: Counter<'outcome'>;
  private readonly latency: Histogram;
  private readonly agentCalls: Histogram<'outcome'>;

  constructor(metrics: MetricsService, lanes: ChatLanesRepository) {
    const registers = [metrics.registry];
    this.deliveries = new Counter({
      name: 'outbound_deliveries_total',
      help: 'send_message attempts, by outcome: delivered, retried or failed (finally).',
      labelNames: ['outcome'] as const,
      registers,
    });
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
      name: 'lane_depth',
      help: 'Chats with work in a lane (agent: visitor messages for the Agent; send: replies for the client server), by state: due now, waiting out a retry backoff, or claimed by a worker.',
      labelNames: ['lane', 'state'] as const,
      registers,
      async collect() {
        this.reset();
        for (const row of await lanes.depth())
          for (const state of ['due', 'backoff', 'claimed'] as const) this.set({ lane: row.lane, state }, row[state]);
      },
    });
  }

  /** A send_message attempt's outcome; a success also counts its latency from `queuedAt`. */
  delivery(outcome: Outcome, queuedAt?: Date): void {
    this.deliveries.inc({ outcome: outcomeLabel('send', outcome) });
    if (outcome === 'success' && queuedAt) this.latency.observe((Date.now() - queuedAt.getTime()) / 1000);
  }

  agentCall(outcome: Outcome, seconds: number): void {
    this.agentCalls.observe({ outcome: outcomeLabel('agent', outcome) }, seconds);
  }
}
