import { randomUUID } from 'node:crypto';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { AppConfig } from '#common';
import { DatabaseOutage, OUTAGE_RETRY_MAX_MS } from '#database';
import { LANES, type Lane } from './lane.js';

const CHANNEL = 'chat_lanes';
const LISTENER_NAME = 'channel-service-wakeups';
/** At most one NOTIFY per lane in this window: NOTIFY takes a cluster-wide lock at commit, so never one per message. */
export const NOTIFY_WINDOW_MS = 10;
const RELISTEN_MS = 1_000;
/** How often a replica looks for other replicas listening: until it sees one, it sends no NOTIFY at all. */
export const PEERS_REFRESH_MS = 2_000;

/**
 * Tells lane workers that work is due: this process's own workers at once, other replicas through a NOTIFY sent off
 * the write path and batched. A wake-up that is lost costs at most one poll (LANE_POLL_MS). A NOTIFY is sent only while
 * another replica listens (its wake-up connection, seen in pg_stat_activity every PEERS_REFRESH_MS): a replica alone
 * spends nothing on them, and one that starts listening is heard from within that time (its poll covers the gap).
 */
@Injectable()
export class LaneWakeups implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(LaneWakeups.name);
  private readonly replica = randomUUID();
  private readonly workers = new Map<Lane, (() => void)[]>();
  private readonly pending = new Map<Lane, NodeJS.Timeout>();
  private listener: pg.Client | null = null;
  private closed = false;
  /** Whether another replica listens; true until first known, so nothing is lost while it is being found out. */
  private peers = true;
  private peersTimer: NodeJS.Timeout | null = null;
  /** The backend pid of this replica's own wake-up connection, which is not a peer. */
  private listenerPid: number | null = null;

  constructor(
    private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outage: DatabaseOutage,
  ) {}

  /** A worker of this process, woken whenever `lane` has new work. */
  register(lane: Lane, wake: () => void): void {
    this.workers.set(lane, [...(this.workers.get(lane) ?? []), wake]);
  }

  wake(lane: Lane): void {
    this.wakeLocal(lane);
    if (this.pending.has(lane) || this.closed || !this.peers) return;
    const timer = setTimeout(() => {
      this.pending.delete(lane);
      this.dataSource
        .query('SELECT pg_notify($1, $2)', [CHANNEL, `${lane}:${this.replica}`])
        .catch((error: unknown) =>
          this.logger.warn({ err: error }, 'NOTIFY failed; other replicas see the work at their next poll'),
        );
    }, NOTIFY_WINDOW_MS);
    timer.unref();
    this.pending.set(lane, timer);
  }

  private wakeLocal(lane: Lane): void {
    for (const wake of this.workers.get(lane) ?? []) wake();
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.runsWorkers) await this.listen();
    await this.refreshPeers();
    this.peersTimer = setInterval(() => void this.refreshPeers(), PEERS_REFRESH_MS);
    this.peersTimer.unref();
  }

  /** Counts the wake-up connections of other replicas (every one but this replica's own). */
  private async refreshPeers(): Promise<void> {
    try {
      const own = this.listenerPid;
      const rows = (await this.dataSource.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE application_name = $1 AND datname = current_database() AND pid IS DISTINCT FROM $2`,
        [LISTENER_NAME, own],
      )) as { n: number }[];
      this.peers = rows[0].n > 0;
    } catch {
      // Unknown: notify, as before this was known.
      this.peers = true;
    }
  }

  private async listen(): Promise<void> {
    if (this.closed || this.config.databaseUrl === null) return;
    const client = new pg.Client({
      connectionString: this.config.databaseUrl,
      application_name: LISTENER_NAME,
    });
    const relisten = (error: Error): void => {
      if (this.listener !== client) return;
      this.listener = null;
      client.end().catch(() => undefined);
      if (this.closed) return;
      // The database away is told once (DatabaseOutage), and the listener waits as long as the claims do.
      const away = this.outage.failed(error);
      if (!away) this.logger.warn({ err: error }, 'Lost the wake-up connection; polling until it is back');
      setTimeout(() => void this.listen(), away ? OUTAGE_RETRY_MAX_MS : RELISTEN_MS).unref();
    };
    client.on('error', relisten);
    client.on('notification', (message) => {
      const [lane, replica] = (message.payload ?? '').split(':');
      if (replica !== this.replica && (LANES as readonly string[]).includes(lane)) this.wakeLocal(lane as Lane);
    });
    this.listener = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      this.listenerPid = ((await client.query('SELECT pg_backend_pid() AS pid')).rows[0] as { pid: number }).pid;
      this.outage.answered();
    } catch (error) {
      relisten(error as Error);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    if (this.peersTimer) clearInterval(this.peersTimer);
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
    const listener = this.listener;
    this.listener = null;
    await listener?.end().catch(() => undefined);
  }
}
