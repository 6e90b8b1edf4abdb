import { Injectable } from '@nestjs/common';
import { PreparedStatements, prepared, type PreparedStatement } from '#database';
import type { ChannelCapabilities, StoredSigningSecrets } from '#channels';
import type { Lane } from './lane.js';
import { LANE_COLUMNS, LANE_WORK } from './lane-sql.js';
import type { Outcome } from './outcomes.js';

/** What a claimed chat carries for either lane. `lease` fences the settle: a lapsed claim re-taken elsewhere is not overwritten. */
export interface LaneClaim {
  chatId: string;
  tenantId: string;
  channelId: string;
  lease: string;
  clientChatId: string;
  clientChatIdIsNumber: boolean;
}

export interface AgentClaim extends LaneClaim {
  agentId: string;
  /** The channel's stored capabilities (docs/protocol.md, Extensions): the replies are drafted for them. */
  capabilities: Partial<ChannelCapabilities>;
  visitorId: string;
  variables: Record<string, string>;
  /**
   * The chat's oldest `received` inbound message: a visitor message (its kind is the client's), or a `chat_closed`
   * event of the client server; null when the lane had nothing left.
   */
  message: {
    id: string;
    kind: string;
    text: string;
    clientMessageId: string | null;
    attempts: number;
    scheduleBase: number;
    /** The W3C traceparent stored with the message (its webhook's trace); null with tracing off. */
    traceContext: string | null;
  } | null;
}

export interface SendClaim extends LaneClaim, StoredSigningSecrets {
  webhookUrl: string;
  webhookTokenEncrypted: string | null;
  /** The channel's capabilities as they stand at the claim: an action it stopped accepting is skipped, not sent. */
  capabilities: Partial<ChannelCapabilities>;
  /** Endpoint health as it stood at the claim: failing since (no 2xx), and paused (a probe's claim). */
  deliveryFailingSince: string | null;
  pausedAt: string | null;
  /** The channel's cap on send_message calls per second, across replicas; null: none. */
  deliveryRatePerSecond: number | null;
  /** The chat's oldest `queued` outbound message; null when the lane had nothing left. */
  message: {
    id: string;
    kind: 'operator' | 'file_operator' | 'keyboard' | 'redirect' | 'close';
    text: string | null;
    buttons: unknown[] | null;
    /** A file reply's `{file: {url, name?, mediaType?}}`; a redirect's `{operatorId?, departmentKey?}`. */
    payload: {
      file?: { url: string; name?: string; mediaType?: string };
      operatorId?: string;
      departmentKey?: string;
    } | null;
    attempts: number;
    scheduleBase: number;
    createdAt: string;
    /** The W3C traceparent of the Agent call the reply came from; null with tracing off. */
    traceContext: string | null;
  } | null;
}

export interface ReportClaim extends LaneClaim {
  agentId: string;
  /** The chat's oldest delivery report; null when the lane had nothing left. `id` is the report's own (a number). */
  message: {
    id: string;
    messageId: string;
    messageKind: string;
    outcome: 'delivered' | 'failed' | 'skipped';
    error: string | null;
    at: string;
    attempts: number;
    scheduleBase: number;
  } | null;
}

/** Channels with room for `n` more chats in flight; the rest are left out of a claim entirely. */
export interface ClaimLimits {
  limit: number;
  /** Per channel already working: how many more of its chats may be claimed. Absent channels get `perChannel`. */
  headroom: ReadonlyMap<string, number>;
  perChannel: number;
}

/** A settle's outcome: the attempt's (outcomes.ts), or `empty` for a claim that found no message waiting. */
export type SettleOutcome = Outcome | 'empty';

interface OutcomeBase {
  chatId: string;
  lease: string;
  messageId: string | null;
  lastError: string | null;
  /** With outcome `retry`: when the lane falls due again. */
  retryAt: Date | null;
}

export interface AgentSettlement extends OutcomeBase {
  outcome: SettleOutcome;
  /** With outcome `success`: the replies to queue, in order. */
  replies: {
    id: string;
    kind: string;
    text: string | null;
    buttons: unknown[] | null;
    payload: Record<string, unknown> | null;
    /** `queued` when absent; `skipped` (an action the channel does not accept) is stored and never sent. */
    status?: 'queued' | 'skipped';
    lastError?: string | null;
    /** The W3C traceparent of the Agent call that produced it, for its send_message attempts; null with tracing off. */
    traceContext?: string | null;
  }[];
}

export interface SendSettlement extends OutcomeBase {
  outcome: SettleOutcome;
}

export interface ReportSettlement extends OutcomeBase {
  outcome: SettleOutcome;
}

/** After a settle: whether the chat's lane is due again at once (more work waits). */
export interface SettledLane {
  chatId: string;
  dueNow: boolean;
}

export interface LaneDepth {
  lane: Lane;
  due: number;
  backoff: number;
  claimed: number;
}

export const LEASE_MS = 30_000;

/** Due and held by nobody: the due time has passed and no lease runs (never claimed, settled, or a lapsed lease). */
function dueFree(lane: Lane): string {
  const { due, claimed } = LANE_COLUMNS[lane];
  return `${due} <= now() AND (${claimed} IS NULL OR ${claimed} <= now())`;
}

/**
 * Picks the top due chats of a lane, in due order, skipping chats another worker holds and channels out of headroom,
 * and sets their lease (claimed until now + LEASE_MS). Cost: an index range from the head of the lane, O(log n + N)
 * whatever waits in backoff, plus the chats in flight, which keep their due time and are stepped over. The candidates
 * are locked as they are read (SKIP LOCKED, re-checked on the latest row version), then ranked per channel to cap each
 * channel's share; only the picked ones are updated, and the locks on the rest end with the statement. Locking first
 * keeps the plan one index scan: a join back to `chats` after the ranking let stale statistics (analysed while the
 * lane was empty) turn it into a nested loop over every due chat, 30-60 ms a claim at 2,000 due chats. The update
 * writes only the lease column, covered by no index: a HOT update, with no new index entry and no dead one.
 */
function claimSql(lane: Lane, extraColumns: string, head: string, joins: string, only = false): string {
  const { due, claimed } = LANE_COLUMNS[lane];
  const work = LANE_WORK[lane];
  // $2: the channels left out (full, deleted, paused, held); or, for a probe (`only`), the one channel to take from.
  const channels = only ? `channel_id = ANY($2::uuid[])` : `NOT (channel_id = ANY($2::uuid[]))`;
  return `WITH candidates AS (
      SELECT id, channel_id, ${due} AS due FROM chats
      WHERE ${dueFree(lane)} AND ${channels}
      ORDER BY ${due} LIMIT $1 * 4
      FOR UPDATE SKIP LOCKED
    ), ranked AS (
      SELECT id, due, row_number() OVER (PARTITION BY channel_id ORDER BY due) AS n,
             COALESCE(($3::jsonb ->> channel_id::text)::int, $4::int) AS room
      FROM candidates
    ), picked AS (
      SELECT id FROM ranked WHERE n <= room ORDER BY due LIMIT $1
    ), claimed AS (
      UPDATE chats c SET ${claimed} = now() + $5::int * interval '1 millisecond'
      FROM picked WHERE c.id = picked.id
      RETURNING c.*
    )
    SELECT cl.id AS "chatId", cl.tenant_id AS "tenantId", cl.channel_id AS "channelId", cl.${claimed}::text AS lease,
           cl.client_chat_id AS "clientChatId", cl.client_chat_id_is_number AS "clientChatIdIsNumber", ${extraColumns},
           (SELECT ${head} FROM ${work.from('m', 'cl.id')} ORDER BY ${work.order('m')} LIMIT 1) AS message
    FROM claimed cl ${joins}`;
}

/**
 * A deleted channel's chats are never handed to a worker: nothing more goes to the Agent or the client server for
 * them, even in the moment before the claims learn to skip the channel (a chat claimed then waits for the purge).
 */
const DELIVERING_CHANNEL = 'JOIN channels ch ON ch.id = cl.channel_id AND ch.deleted_at IS NULL';

/** How often the claims re-read which channels are deleted and waiting for the purge. */
export const RETIRED_REFRESH_MS = 2_000;

/**
 * Channels the claims leave out: deleted ones (every lane), and paused ones or ones whose client server asked to
 * wait (the send lane only: their visitor messages still go to the Agent).
 */
const EXCLUDED_CHANNELS = prepared(
  'lanes_excluded_channels',
  `SELECT id, deleted_at IS NOT NULL AS retired FROM channels
   WHERE deleted_at IS NOT NULL OR paused_at IS NOT NULL OR send_held_until > now()`,
);

const CLAIM_AGENT = prepared(
  'lanes_claim_agent',
  claimSql(
    'agent',
    `ch.agent_id AS "agentId", ch.capabilities, cl.visitor_id AS "visitorId", cl.variables`,
    `json_build_object('id', m.id, 'kind', m.kind, 'text', m.text, 'clientMessageId', m.client_message_id, 'attempts', m.attempts, 'scheduleBase', m.schedule_base,
                     'traceContext', m.trace_context)`,
    DELIVERING_CHANNEL,
  ),
);

const SEND_CLAIM_COLUMNS = `ch.webhook_url AS "webhookUrl", ch.webhook_token_encrypted AS "webhookTokenEncrypted", ch.capabilities,
     ch.signing_secret_encrypted AS "signingSecretEncrypted",
     ch.previous_signing_secret_encrypted AS "previousSigningSecretEncrypted",
     ch.signing_secret_rotated_at AS "signingSecretRotatedAt",
     ch.delivery_failing_since AS "deliveryFailingSince", ch.paused_at AS "pausedAt",
     ch.delivery_rate_per_second AS "deliveryRatePerSecond"`;
const SEND_HEAD = `json_build_object('id', m.id, 'kind', m.kind, 'text', m.text, 'buttons', m.buttons, 'payload', m.payload, 'attempts', m.attempts,
                     'scheduleBase', m.schedule_base, 'createdAt', m.created_at, 'traceContext', m.trace_context)`;

/** A paused channel's probe: one of its due chats, whatever leaves the channel out of the ordinary claims. */
const CLAIM_SEND_PROBE = prepared(
  'lanes_claim_send_probe',
  claimSql('send', SEND_CLAIM_COLUMNS, SEND_HEAD, DELIVERING_CHANNEL, true),
);

const CLAIM_SEND = prepared('lanes_claim_send', claimSql('send', SEND_CLAIM_COLUMNS, SEND_HEAD, DELIVERING_CHANNEL));

const CLAIM_REPORT = prepared(
  'lanes_claim_report',
  claimSql(
    'report',
    `ch.agent_id AS "agentId"`,
    `json_build_object('id', m.id::text, 'messageId', m.message_id, 'messageKind', m.message_kind, 'outcome', m.outcome,
                     'error', m.error, 'at', m.created_at, 'attempts', m.attempts, 'scheduleBase', 0)`,
    DELIVERING_CHANNEL,
  ),
);

/**
 * The lane's next due time after its head message settled: the retry time when it is to be tried again; now when
 * another message waits (seen in this statement's snapshot) or arrived since that snapshot was taken (the locked
 * row's counter, re-read at its latest, differs from the snapshot's); otherwise idle.
 */
function nextDue(lane: Lane, settledCte: string): string {
  const { seq } = LANE_COLUMNS[lane];
  return `CASE
      WHEN s.outcome IN ('retry', 'later') AND EXISTS (SELECT 1 FROM ${settledCte} st WHERE st.id = s.message_id) THEN s.retry_at
      WHEN EXISTS (SELECT 1 FROM ${LANE_WORK[lane].from('p', 'c.id')} AND p.id IS DISTINCT FROM s.message_id) THEN now()
      WHEN c.${seq} <> (SELECT x.${seq} FROM chats x WHERE x.id = c.id) THEN now()
      ELSE NULL END`;
}

/**
 * Locks the batch's chats, in id order, before any of their messages: the lock order of every writer. The final
 * UPDATE joins a count over the message CTEs, so they (and this lock) run to completion before it touches a chat: a
 * row this statement has already updated would be skipped by FOR UPDATE. The lock reads each chat's latest lease: a
 * settle whose lease lapsed (the chat re-claimed or given back) writes nothing, so no reply is stored off its lane.
 */
function locked(lane: Lane): string {
  const { claimed } = LANE_COLUMNS[lane];
  return `locked AS (SELECT c.id, c.${claimed} AS lease FROM chats c WHERE c.id = ANY($2::uuid[]) ORDER BY c.id FOR UPDATE)`;
}

/**
 * The outcomes whose claim still holds, each joined to its own chat by id: the messages are then updated by key. (An
 * EXISTS on the lease alone let the planner pair every outcome with every chat claimed at the same instant and scan a
 * whole index per pair: 60 ms for a batch of 32 at 2,000 chats.)
 */
function held(): string {
  return `held AS (
    SELECT s.* FROM s JOIN locked l ON l.id = s.chat_id AND l.lease = s.lease
    WHERE s.outcome <> 'empty' AND s.message_id IS NOT NULL
  )`;
}

/**
 * With delivery events on ($4), the final outcomes among `rows` (id, tenant_id, chat_id, kind, status, last_error)
 * become reports for the Agent runtime, in the rows' order, in the statement that reached them: nothing reached is
 * ever left untold, and the chat's report lane is made due by the same chat update (REPORT_LANE).
 */
function reportsCte(rows: string, where: string): string {
  return `reports AS (
    INSERT INTO agent_reports (tenant_id, chat_id, message_id, message_kind, outcome, error, created_at)
    SELECT r.tenant_id, r.chat_id, r.id, r.kind, r.status, r.last_error, clock_timestamp() FROM ${rows} r
    WHERE $4::boolean AND ${where}
    ORDER BY r.id
    RETURNING chat_id
  )`;
}

const REPORT_LANE = `report_due_at = CASE WHEN EXISTS (SELECT 1 FROM reports r WHERE r.chat_id = c.id)
        THEN COALESCE(c.report_due_at, now()) ELSE c.report_due_at END,
      report_seq = c.report_seq + (SELECT count(*) FROM reports r WHERE r.chat_id = c.id)`;

const SETTLE_AGENT = prepared(
  'lanes_settle_agent',
  `WITH s AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb)
      AS s(chat_id uuid, lease timestamptz, message_id uuid, outcome text, last_error text, retry_at timestamptz, replies jsonb)
  ), ${locked('agent')}, ${held()}, settled AS (
    UPDATE messages m
    SET attempts = m.attempts + 1,
        status = CASE h.outcome WHEN 'success' THEN 'answered' WHEN 'failed' THEN 'failed' ELSE 'received' END,
        last_error = COALESCE(h.last_error, m.last_error)
    FROM held h
    WHERE m.id = h.message_id AND m.chat_id = h.chat_id AND m.id = ANY($3::uuid[]) AND m.status = 'received'
    RETURNING m.id, m.chat_id, m.tenant_id, m.channel_id, h.outcome, h.replies
  ), replies AS (
    INSERT INTO messages (id, tenant_id, channel_id, chat_id, direction, kind, text, buttons, payload, status, last_error, created_at, trace_context)
    SELECT r.id, st.tenant_id, st.channel_id, st.chat_id, 'outbound', r.kind, r.text, r.buttons, r.payload,
           COALESCE(r.status, 'queued'), r."lastError", clock_timestamp(), r."traceContext"
    FROM settled st,
         jsonb_to_recordset(st.replies) AS r(id uuid, kind text, text text, buttons jsonb, payload jsonb, status text, "lastError" text, "traceContext" text)
    WHERE st.outcome = 'success'
    ORDER BY r.id
    RETURNING id, tenant_id, chat_id, kind, status, last_error
  ), ${reportsCte('replies', `r.status = 'skipped'`)}
  UPDATE chats c
  SET agent_claimed_until = NULL,
      agent_due_at = ${nextDue('agent', 'settled')},
      send_due_at = CASE WHEN EXISTS (SELECT 1 FROM replies r WHERE r.chat_id = c.id AND r.status = 'queued')
        THEN COALESCE(c.send_due_at, now()) ELSE c.send_due_at END,
      outbound_seq = c.outbound_seq + (SELECT count(*) FROM replies r WHERE r.chat_id = c.id),
      last_message_at = CASE WHEN EXISTS (SELECT 1 FROM replies r WHERE r.chat_id = c.id) THEN now() ELSE c.last_message_at END,
      ${REPORT_LANE}
  FROM s, (SELECT count(*) FROM replies) AS done, (SELECT count(*) FROM reports) AS told
  WHERE c.id = s.chat_id AND c.id = ANY($2::uuid[]) AND c.agent_claimed_until = s.lease
  RETURNING c.id AS "chatId", (c.agent_due_at <= now()) AS "dueNow", (c.send_due_at <= now()) AS "sendDueNow",
            EXISTS (SELECT 1 FROM reports r WHERE r.chat_id = c.id) AS "reported"`,
);

/**
 * A `close` delivered closes its chat (the Agent closed it); a `skipped` outcome is an action the channel stopped
 * accepting after it was queued: never sent, no attempt counted; a `later` one was not attempted (the channel's
 * delivery rate limit): still queued, no attempt counted, the lane due again at its time.
 */
const SETTLE_SEND = prepared(
  'lanes_settle_send',
  `WITH s AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb)
      AS s(chat_id uuid, lease timestamptz, message_id uuid, outcome text, last_error text, retry_at timestamptz)
  ), ${locked('send')}, ${held()}, settled AS (
    UPDATE messages m
    SET attempts = m.attempts + CASE WHEN h.outcome IN ('skipped', 'later') THEN 0 ELSE 1 END,
        status = CASE h.outcome WHEN 'success' THEN 'delivered' WHEN 'failed' THEN 'failed' WHEN 'skipped' THEN 'skipped'
                 ELSE 'queued' END,
        last_error = COALESCE(h.last_error, m.last_error),
        delivered_at = CASE WHEN h.outcome = 'success' THEN now() ELSE m.delivered_at END
    FROM held h
    WHERE m.id = h.message_id AND m.chat_id = h.chat_id AND m.id = ANY($3::uuid[]) AND m.status = 'queued'
    RETURNING m.id, m.tenant_id, m.chat_id, m.kind, m.status, m.last_error
  ), ${reportsCte('settled', `r.status <> 'queued'`)}, closing AS (
    SELECT DISTINCT st.chat_id FROM settled st WHERE st.kind = 'close' AND st.status = 'delivered'
  )
  UPDATE chats c
  SET send_claimed_until = NULL, send_due_at = ${nextDue('send', 'settled')},
      closed_at = CASE WHEN c.id IN (SELECT chat_id FROM closing) THEN now() ELSE c.closed_at END,
      closed_by = CASE WHEN c.id IN (SELECT chat_id FROM closing) THEN 'agent' ELSE c.closed_by END,
      ${REPORT_LANE}
  FROM s, (SELECT count(*) FROM settled) AS done, (SELECT count(*) FROM reports) AS told
  WHERE c.id = s.chat_id AND c.id = ANY($2::uuid[]) AND c.send_claimed_until = s.lease
  RETURNING c.id AS "chatId", (c.send_due_at <= now()) AS "dueNow",
            EXISTS (SELECT 1 FROM reports r WHERE r.chat_id = c.id) AS "reported"`,
);

/**
 * A report the runtime took (or refused for good) is deleted; one to be tried again counts the attempt. The lane goes
 * on with the chat's next report.
 */
const SETTLE_REPORT = prepared(
  'lanes_settle_report',
  `WITH s AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb)
      AS s(chat_id uuid, lease timestamptz, message_id bigint, outcome text, last_error text, retry_at timestamptz)
  ), ${locked('report')}, ${held()}, told AS (
    DELETE FROM agent_reports r USING held h
    WHERE r.id = h.message_id AND r.chat_id = h.chat_id AND r.id = ANY($3::bigint[]) AND h.outcome <> 'retry'
    RETURNING r.id
  ), retried AS (
    UPDATE agent_reports r SET attempts = r.attempts + 1, last_error = h.last_error
    FROM held h
    WHERE r.id = h.message_id AND r.chat_id = h.chat_id AND r.id = ANY($3::bigint[]) AND h.outcome = 'retry'
    RETURNING r.id
  ), settled AS (SELECT id FROM told UNION ALL SELECT id FROM retried)
  UPDATE chats c
  SET report_claimed_until = NULL, report_due_at = ${nextDue('report', 'settled')}
  FROM s, (SELECT count(*) FROM settled) AS done
  WHERE c.id = s.chat_id AND c.id = ANY($2::uuid[]) AND c.report_claimed_until = s.lease
  RETURNING c.id AS "chatId", (c.report_due_at <= now()) AS "dueNow"`,
);

/** The lease ends now; the due time never moved, so the chat is due again at once, in its place. */
function releaseSql(lane: Lane): string {
  const { claimed } = LANE_COLUMNS[lane];
  return `UPDATE chats c SET ${claimed} = NULL
    FROM jsonb_to_recordset($1::jsonb) AS r(chat_id uuid, lease timestamptz)
    WHERE c.id = r.chat_id AND c.id = ANY($2::uuid[]) AND c.${claimed} = r.lease`;
}

const RELEASE = {
  agent: prepared('lanes_release_agent', releaseSql('agent')),
  send: prepared('lanes_release_send', releaseSql('send')),
  report: prepared('lanes_release_report', releaseSql('report')),
} as const;

function depthSql(lane: Lane): string {
  const { due, claimed } = LANE_COLUMNS[lane];
  return `SELECT '${lane}' AS lane, count(*) FILTER (WHERE ${dueFree(lane)})::int AS due,
                 count(*) FILTER (WHERE ${due} > now())::int AS backoff,
                 count(*) FILTER (WHERE ${claimed} > now())::int AS claimed
          FROM chats WHERE ${due} IS NOT NULL`;
}

const DEPTH = prepared(
  'lanes_depth',
  `${depthSql('agent')} UNION ALL ${depthSql('send')} UNION ALL ${depthSql('report')}`,
);

/** The chat lanes' SQL: claim, settle, release and depth. Prepared statements, each its own transaction. */
@Injectable()
export class ChatLanesRepository {
  /** Deleted channels whose chats the purge has not removed yet: the claims skip them like a full channel. */
  private retired: string[] = [];
  /** Paused channels, and channels whose client server asked to wait: the send lane's claims skip them. */
  private sendExcluded: string[] = [];
  /** Holds and pauses decided on this replica, in force before the next read of the database shows them. */
  private readonly localSendExcluded = new Map<string, number>();
  private retiredReadAt = 0;

  constructor(private readonly statements: PreparedStatements) {}

  claimAgent(limits: ClaimLimits): Promise<AgentClaim[]> {
    return this.claim(CLAIM_AGENT, limits);
  }

  claimSend(limits: ClaimLimits): Promise<SendClaim[]> {
    return this.claim(CLAIM_SEND, limits, this.sendExclusions());
  }

  /** One due chat of a paused channel, for its probe; none when no chat of it is due and free. */
  claimSendProbe(channelId: string): Promise<SendClaim[]> {
    return this.statements.run<SendClaim>(CLAIM_SEND_PROBE, [1, [channelId], '{}', 1, LEASE_MS]);
  }

  /** Leaves a channel out of the send lane's claims on this replica until `untilMs` (or the database says so). */
  excludeFromSend(channelId: string, untilMs: number): void {
    this.localSendExcluded.set(channelId, Math.max(untilMs, this.localSendExcluded.get(channelId) ?? 0));
  }

  /** A channel resumed on this replica: claimed again at once, not after the next read of the database. */
  includeInSend(channelId: string): void {
    this.localSendExcluded.delete(channelId);
    this.sendExcluded = this.sendExcluded.filter((id) => id !== channelId);
  }

  private sendExclusions(): string[] {
    const now = Date.now();
    const local: string[] = [];
    for (const [channel, until] of this.localSendExcluded)
      if (until > now) local.push(channel);
      else this.localSendExcluded.delete(channel);
    return local.length === 0 ? this.sendExcluded : [...this.sendExcluded, ...local];
  }

  claimReport(limits: ClaimLimits): Promise<ReportClaim[]> {
    return this.claim(CLAIM_REPORT, limits);
  }

  private claim<T>(statement: PreparedStatement, limits: ClaimLimits, excluded: readonly string[] = []): Promise<T[]> {
    this.refreshRetired();
    const full = [
      ...[...limits.headroom].filter(([, room]) => room <= 0).map(([channel]) => channel),
      ...this.retired,
      ...excluded,
    ];
    const room = Object.fromEntries([...limits.headroom].filter(([, n]) => n > 0));
    return this.statements.run<T>(statement, [limits.limit, full, JSON.stringify(room), limits.perChannel, LEASE_MS]);
  }

  /**
   * One statement for the batch; the caller keeps one tenant's outcomes per batch. With `report`, the replies stored
   * `skipped` become delivery reports (AGENT_DELIVERY_EVENTS).
   */
  async settleAgent(
    batch: readonly AgentSettlement[],
    report: boolean,
  ): Promise<(SettledLane & { sendDueNow: boolean; reported: boolean })[]> {
    return this.statements.run(SETTLE_AGENT, [...settleParams(batch, (one) => ({ replies: one.replies })), report]);
  }

  /** With `report`, each final outcome (delivered, failed, skipped) becomes a delivery report. */
  async settleSend(
    batch: readonly SendSettlement[],
    report: boolean,
  ): Promise<(SettledLane & { reported: boolean })[]> {
    return this.statements.run(SETTLE_SEND, [...settleParams(batch), report]);
  }

  async settleReport(batch: readonly ReportSettlement[]): Promise<SettledLane[]> {
    return this.statements.run(SETTLE_REPORT, settleParams(batch));
  }

  /** Gives claims back, due now (shutdown past its grace): another worker takes them without waiting out the lease. */
  async release(lane: Lane, claims: readonly Pick<LaneClaim, 'chatId' | 'lease'>[]): Promise<void> {
    if (claims.length === 0) return;
    await this.statements.run(RELEASE[lane], [
      JSON.stringify(claims.map((claim) => ({ chat_id: claim.chatId, lease: claim.lease }))),
      claims.map((claim) => claim.chatId),
    ]);
  }

  /** Re-reads the deleted, paused and held channels at most every RETIRED_REFRESH_MS, without holding up the claim that asks. */
  private refreshRetired(): void {
    const now = Date.now();
    if (now - this.retiredReadAt < RETIRED_REFRESH_MS) return;
    this.retiredReadAt = now;
    this.statements
      .run<{ id: string; retired: boolean }>(EXCLUDED_CHANNELS, [])
      .then((rows) => {
        this.retired = rows.filter((row) => row.retired).map((row) => row.id);
        this.sendExcluded = rows.filter((row) => !row.retired).map((row) => row.id);
      })
      .catch(() => (this.retiredReadAt = 0));
  }

  /** Chats per lane: due now, waiting out a backoff, held by a worker. */
  depth(): Promise<LaneDepth[]> {
    return this.statements.run<LaneDepth>(DEPTH, []);
  }
}

/**
 * A settle statement's parameters: the outcomes as one recordset (with what a lane adds to each), then the chat and
 * message ids as lists, which let the planner look rows up by key: it cannot see into a recordset.
 */
function settleParams<T extends OutcomeBase & { outcome: string }>(
  batch: readonly T[],
  extra: (one: T) => Record<string, unknown> = () => ({}),
): [string, string[], string[]] {
  const rows = batch.map((one) => ({
    chat_id: one.chatId,
    lease: one.lease,
    message_id: one.messageId,
    outcome: one.outcome,
    last_error: one.lastError,
    retry_at: one.retryAt?.toISOString() ?? null,
    ...extra(one),
  }));
  return [
    JSON.stringify(rows),
    batch.map((one) => one.chatId),
    batch.flatMap((one) => (one.messageId === null ? [] : [one.messageId])),
  ];
}
