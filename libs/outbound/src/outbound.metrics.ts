import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsService } from '#common';
import { ChannelHealth, ChatLanesRepository, outcomeLabel, type Outcome } from '#lanes';

/** Deliveries by outcome, queued → 2xx latency, Agent call latency, and lane depth read live at each scrape. */
@Injectable()
export class OutboundMetrics {
  private readonly deliveries: Counter<'outcome'>;
  private readonly latency: Histogram;
  private readonly agentCalls: Histogram<'outcome'>;
  private readonly pauses: Counter<'reason'>;

  constructor(metrics: MetricsService, lanes: ChatLanesRepository, health: ChannelHealth) {
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
    this.pauses = new Counter({
      name: 'channel_pauses_total',
      help: 'Channels paused by this replica, by reason: gone (the client server answered 410) or failing (no 2xx for CHANNEL_PAUSE_AFTER).',
      labelNames: ['reason'] as const,
      registers,
    });
    new Gauge({
      name: 'channels_paused',
      help: "Channels paused now (their replies held), counted in the database at each scrape: take one replica's value.",
      registers,
      // The database away leaves the series out of this scrape (database_ready says why) rather than failing it.
      async collect() {
        this.reset();
        const paused = await health.pausedCount().catch(() => null);
        if (paused !== null) this.set(paused);
      },
    });
    new Gauge({
      name: 'lane_depth',
      help: 'Chats with work in a lane (agent: visitor messages for the Agent; send: replies for the client server), by state: due now, waiting out a retry backoff, or claimed by a worker.',
      labelNames: ['lane', 'state'] as const,
      registers,
      async collect() {
        this.reset();
        for (const row of await lanes.depth().catch(() => []))
          for (const state of ['due', 'backoff', 'claimed'] as const) this.set({ lane: row.lane, state }, row[state]);
      },
    });
  }

  /** A send_message attempt's outcome; a success also counts its latency from `queuedAt`. */
  delivery(outcome: Outcome, queuedAt?: Date): void {
    this.deliveries.inc({ outcome: outcomeLabel('send', outcome) });
    if (outcome === 'success' && queuedAt) this.latency.observe((Date.now() - queuedAt.getTime()) / 1000);
  }

  channelPaused(reason: 'gone' | 'failing'): void {
    this.pauses.inc({ reason });
  }

  agentCall(outcome: Outcome, seconds: number): void {
    this.agentCalls.observe({ outcome: outcomeLabel('agent', outcome) }, seconds);
  }
}
