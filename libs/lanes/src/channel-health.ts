import { Injectable } from '@nestjs/common';
import { PreparedStatements, prepared } from '#database';
import { ChatLanesRepository } from './lanes.repository.js';

/**
 * A failed attempt's mark on its channel: failing since now unless it already was; paused when the client server
 * answered 410 Gone ($2), or has answered no send_message with a 2xx for CHANNEL_PAUSE_AFTER ($3 seconds). Writes the
 * channel row only when its state changes (the first failure, the pause), so a failing channel costs one index probe
 * per attempt, not a row version.
 */
const FAILED = prepared(
  'channel_health_failed',
  `WITH decided AS (
     SELECT id, delivery_failing_since IS NULL AS first,
            paused_at IS NULL AND ($2::boolean OR COALESCE(delivery_failing_since, now()) <= now() - $3::int * interval '1 second') AS pause
     FROM channels WHERE id = $1 AND deleted_at IS NULL
   )
   UPDATE channels c
   SET delivery_failing_since = COALESCE(c.delivery_failing_since, now()),
       paused_at = CASE WHEN d.pause THEN now() ELSE c.paused_at END,
       pause_reason = CASE WHEN d.pause THEN CASE WHEN $2::boolean THEN $5 ELSE $6 END ELSE c.pause_reason END,
       probe_at = CASE WHEN d.pause THEN now() + $4::int * interval '1 second' ELSE c.probe_at END
   FROM decided d
   WHERE c.id = d.id AND (d.first OR d.pause) AND c.paused_at IS NULL
   RETURNING d.pause AS "paused", c.pause_reason AS "reason"`,
);

/** A 2xx: the channel is no longer failing, and a paused one (its probe answered) is active again. */
const SUCCEEDED = prepared(
  'channel_health_succeeded',
  `WITH old AS (SELECT id, paused_at FROM channels WHERE id = $1 FOR NO KEY UPDATE)
   UPDATE channels c
   SET delivery_failing_since = NULL, paused_at = NULL, pause_reason = NULL, probe_at = NULL
   FROM old WHERE c.id = old.id AND (c.delivery_failing_since IS NOT NULL OR c.paused_at IS NOT NULL)
   RETURNING old.paused_at IS NOT NULL AS "resumed"`,
);

/** The client server asked to wait: its send lane holds until then (never shortened by a shorter request). */
const HOLD = prepared(
  'channel_health_hold',
  `UPDATE channels SET send_held_until = GREATEST(COALESCE(send_held_until, $2::timestamptz), $2::timestamptz)
   WHERE id = $1 AND (send_held_until IS NULL OR send_held_until < $2::timestamptz)`,
);

/** Paused channels due a probe, each taken by one replica (the row lock) and set to its next probe time. */
const DUE_PROBES = prepared(
  'channel_health_due_probes',
  `UPDATE channels SET probe_at = now() + $1::int * interval '1 second'
   WHERE paused_at IS NOT NULL AND deleted_at IS NULL AND (probe_at IS NULL OR probe_at <= now())
   RETURNING id`,
);

/**
 * The channel's delivery rate limit, across replicas (GCRA): a call may go when the channel's theoretical arrival
 * time has come; taking it moves that time on by one interval (1 / rate). `at` says when the next call may go.
 */
const TAKE_SLOT = prepared(
  'channel_health_take_slot',
  `WITH taken AS (
     UPDATE channels
     SET delivery_tat = GREATEST(COALESCE(delivery_tat, clock_timestamp()), clock_timestamp()) + $2::int * interval '1 microsecond'
     WHERE id = $1 AND (delivery_tat IS NULL OR delivery_tat <= clock_timestamp())
     RETURNING id
   )
   SELECT EXISTS (SELECT 1 FROM taken) AS "ok", (SELECT delivery_tat FROM channels WHERE id = $1) AS "at"`,
);

const PAUSED_COUNT = prepared(
  'channel_health_paused_count',
  `SELECT count(*)::int AS n FROM channels WHERE paused_at IS NOT NULL AND deleted_at IS NULL`,
);

/**
 * Endpoint health (docs/outbound.md, "Endpoint health and the client server's pace"): marks a channel failing, paused
 * or well from its send_message attempts, holds its send lane for a Retry-After, and finds paused channels due a
 * probe. The send lane's claims leave paused and held channels out (ChatLanesRepository).
 */
@Injectable()
export class ChannelHealth {
  constructor(
    private readonly statements: PreparedStatements,
    private readonly lanes: ChatLanesRepository,
  ) {}

  /** True when this failure paused the channel; its claims are left out at once on this replica. */
  async failed(
    channelId: string,
    settings: { gone: boolean; pauseAfterSeconds: number; probeIntervalSeconds: number; pauseAfterText: string },
  ): Promise<{ paused: boolean; reason: string | null }> {
    const [row] = await this.statements.run<{ paused: boolean; reason: string | null }>(FAILED, [
      channelId,
      settings.gone,
      settings.pauseAfterSeconds,
      settings.probeIntervalSeconds,
      'The client server answered 410 Gone',
      `The client server answered no send_message with a 2xx for ${settings.pauseAfterText}`,
    ]);
    if (row?.paused)
      // Until the next read of the database (every 2 s) shows the pause to this replica too.
      if (row?.paused) this.lanes.excludeFromSend(channelId, Date.now() + 5_000);
    return { paused: row?.paused ?? false, reason: row?.reason ?? null };
  }

  /** True when the channel was paused and is active again. */
  async succeeded(channelId: string): Promise<boolean> {
    const [row] = await this.statements.run<{ resumed: boolean }>(SUCCEEDED, [channelId]);
    if (row?.resumed) this.lanes.includeInSend(channelId);
    return row?.resumed ?? false;
  }

  async hold(channelId: string, until: Date): Promise<void> {
    this.lanes.excludeFromSend(channelId, until.getTime());
    await this.statements.run(HOLD, [channelId, until.toISOString()]);
  }

  /** A send_message call under the channel's delivery rate limit: now, or not before `at`. */
  async takeDeliverySlot(channelId: string, perSecond: number): Promise<{ ok: boolean; at: Date }> {
    const [row] = await this.statements.run<{ ok: boolean; at: Date | string | null }>(TAKE_SLOT, [
      channelId,
      Math.round(1_000_000 / perSecond),
    ]);
    return { ok: row?.ok ?? true, at: new Date(row?.at ?? Date.now()) };
  }

  dueProbes(probeIntervalSeconds: number): Promise<{ id: string }[]> {
    return this.statements.run<{ id: string }>(DUE_PROBES, [probeIntervalSeconds]);
  }

  async pausedCount(): Promise<number> {
    const [row] = await this.statements.run<{ n: number }>(PAUSED_COUNT, []);
    return row?.n ?? 0;
  }
}
