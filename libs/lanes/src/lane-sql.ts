import type { Lane } from './lane.js';

/** The lane state's columns on `chats` (docs/architecture.md, "Delivery engine: chat lanes"). */
export const LANE_COLUMNS = {
  agent: { due: 'agent_due_at', claimed: 'agent_claimed_until', seq: 'inbound_seq' },
  send: { due: 'send_due_at', claimed: 'send_claimed_until', seq: 'outbound_seq' },
  report: { due: 'report_due_at', claimed: 'report_claimed_until', seq: 'report_seq' },
} as const;

/**
 * Each lane's waiting work of the chat `chat` (a column reference): visitor messages and client events `received`,
 * replies and actions `queued`, delivery reports. `alias` names the rows, oldest first by `order`.
 */
export const LANE_WORK = {
  agent: {
    from: (alias: string, chat: string) =>
      `messages ${alias} WHERE ${alias}.chat_id = ${chat} AND ${alias}.status = 'received'`,
    order: (alias: string) => `${alias}.created_at, ${alias}.id`,
  },
  send: {
    from: (alias: string, chat: string) =>
      `messages ${alias} WHERE ${alias}.chat_id = ${chat} AND ${alias}.status = 'queued'`,
    order: (alias: string) => `${alias}.created_at, ${alias}.id`,
  },
  report: {
    from: (alias: string, chat: string) => `agent_reports ${alias} WHERE ${alias}.chat_id = ${chat}`,
    order: (alias: string) => `${alias}.id`,
  },
} as const;

/**
 * SQL for the statements of other libs that add work to a lane, so that the lanes' rules live here: the lane becomes
 * due now unless it already is due, held by a worker or waiting out a backoff, and its counter moves by the messages
 * added (a settle under way compares it and leaves the lane due). Each caller locks the chat row first, then its
 * messages: the lock order of every writer.
 */
export const laneSql = {
  /** The columns of a chat inserted with work on `lane` … */
  insertColumns(lane: Lane): string {
    const { due, seq } = LANE_COLUMNS[lane];
    return `${due}, ${seq}`;
  },
  /** … and their values: due now, `count` messages counted. */
  insertValues(count = '1'): string {
    return `now(), ${count}`;
  },
  /** SET clauses of an UPDATE (or ON CONFLICT DO UPDATE) of the chat row `row` that adds `count` messages to `lane`. */
  addWork(lane: Lane, row: string, count = '1'): string {
    const { due, seq } = LANE_COLUMNS[lane];
    return `${due} = COALESCE(${row}.${due}, now()), ${seq} = ${row}.${seq} + ${count}`;
  },
  /** The same, for a `count` (an SQL expression) that may be 0: the lane is then left as it is. */
  addWorkIfAny(lane: Lane, row: string, count: string): string {
    const { due, seq } = LANE_COLUMNS[lane];
    return `${due} = CASE WHEN ${count} > 0 THEN COALESCE(${row}.${due}, now()) ELSE ${row}.${due} END, ${seq} = ${row}.${seq} + ${count}`;
  },
};
