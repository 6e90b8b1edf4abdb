import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { uuid7 } from '#common';
import { DatabaseOutage, PreparedStatements, runMigrations } from '#database';
import { ChatLanes, ChatLanesRepository, LaneWorker, type AgentClaim } from '#lanes';
import { SCHEMA } from '../../apps/channel-service/src/schema.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * Medium tests: the lanes' real SQL on a real PostgreSQL, called directly (no HTTP server, no workers, no polling), with
 * other transactions played by hand to pin the races the design must survive.
 */
describe('chat lanes: claim and settle on a real PostgreSQL', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let lanes: ChatLanesRepository;
  let service: ChatLanes;
  const query = async <T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> =>
    (await pool.query(sql, params)).rows as T[];

  async function tenantWithChannel(): Promise<{ tenantId: string; channelId: string }> {
    const [tenant] = await query<{ id: string }>(`INSERT INTO tenants (name) VALUES ('t') RETURNING id`);
    await query(`INSERT INTO agents (tenant_id, agent_id, trained) VALUES ($1, 'bot', true)`, [tenant.id]);
    const [channel] = await query<{ id: string }>(
      `INSERT INTO channels (tenant_id, agent_id, type, token_hash, token_encrypted, webhook_url) VALUES ($1, 'bot', 'omnichannel', $2, 'x', 'http://127.0.0.1:9/hook') RETURNING id`,
      [tenant.id, randomBytes(32)],
    );
    return { tenantId: tenant.id, channelId: channel.id };
  }

  /** The inbound accept's effect on the lane, as one statement of its own transaction (`client` may hold it open). */
  const ACCEPT = `WITH chat AS (
      INSERT INTO chats (tenant_id, channel_id, client_chat_id, client_chat_id_is_number, visitor_id, agent_due_at, inbound_seq)
      VALUES ($1, $2, $3, false, 'v', now(), 1)
      ON CONFLICT (channel_id, client_chat_id) DO UPDATE SET agent_due_at = COALESCE(chats.agent_due_at, now()), inbound_seq = chats.inbound_seq + 1
      RETURNING id)
    INSERT INTO messages (tenant_id, channel_id, chat_id, direction, kind, client_message_id, text, status)
    SELECT $1, $2, chat.id, 'inbound', 'visitor', $4, $4, 'received' FROM chat RETURNING chat_id`;

  async function accept(
    where: { tenantId: string; channelId: string },
    chat: string,
    message: string,
    client: { query: pg.Pool['query'] } = pool,
  ): Promise<string> {
    const result = await client.query(ACCEPT, [where.tenantId, where.channelId, chat, message]);
    return (result.rows[0] as { chat_id: string }).chat_id;
  }

  const everything = { limit: 50, headroom: new Map<string, number>(), perChannel: 32 };

  async function claimOne(chatId: string): Promise<AgentClaim> {
    const claims = await lanes.claimAgent(everything);
    const claim = claims.find((one) => one.chatId === chatId);
    if (!claim) throw new Error(`chat ${chatId} was not claimed`);
    return claim;
  }

  async function laneOf(chatId: string): Promise<{ due: boolean | null; claimed: boolean; sendDue: boolean | null }> {
    const [row] = await query<{ due: boolean | null; claimed: boolean; sendDue: boolean | null }>(
      `SELECT CASE WHEN agent_due_at IS NOT NULL THEN agent_due_at <= now() AND NOT agent_claimed_until > now() IS TRUE END AS due,
              agent_claimed_until > now() IS TRUE AS claimed, send_due_at <= now() AS "sendDue" FROM chats WHERE id = $1`,
      [chatId],
    );
    return row;
  }

  const answered = (claim: AgentClaim, text = 'ok') => ({
    chatId: claim.chatId,
    lease: claim.lease,
    messageId: claim.message?.id ?? null,
    outcome: 'success' as const,
    lastError: null,
    retryAt: null,
    replies: [{ id: uuid7(), kind: 'operator', text, buttons: null, payload: null }],
  });

  /** The same outcome as the processor hands it to the lanes' settle. */
  const settling = ({ replies, chatId: _chat, lease: _lease, ...outcome }: ReturnType<typeof answered>) => ({
    ...outcome,
    result: replies,
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    await runMigrations(db.url, SCHEMA);
    pool = new pg.Pool({ connectionString: db.url, max: 6 });
    // An idle connection ended by the server (another suite dropping its database WITH (FORCE)) must not fail the run.
    pool.on('error', () => undefined);
    // The service's own statement runner over this pool (it reads the pool off TypeORM's driver).
    lanes = new ChatLanesRepository(new PreparedStatements({ driver: { master: pool } } as never));
    const statements = new PreparedStatements({ driver: { master: pool } } as never);
    const wakeups = { wake: () => undefined, register: () => undefined };
    const config = { deliveryRetryDelaysMs: [1000] };
    service = new ChatLanes(lanes, wakeups as never, statements, {} as never, config as never, new DatabaseOutage());
    Logger.overrideLogger(false);
  });

  beforeEach(async () => {
    await query('TRUNCATE tenants CASCADE');
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('a settled chat with nothing more waiting goes idle; its reply makes the send lane due', async () => {
    const where = await tenantWithChannel();
    const chatId = await accept(where, 'c1', 'm1');
    const claim = await claimOne(chatId);
    expect(claim.message?.text).toBe('m1');
    expect(await laneOf(chatId)).toEqual({ due: false, claimed: true, sendDue: null });
    expect(await lanes.settleAgent([answered(claim)], false)).toEqual([
      { chatId, dueNow: null, sendDueNow: true, reported: false },
    ]);
    expect(await laneOf(chatId)).toEqual({ due: null, claimed: false, sendDue: true });
    expect(await query(`SELECT status, attempts FROM messages WHERE direction = 'inbound'`)).toEqual([
      { status: 'answered', attempts: 1 },
    ]);
  });

  it('a message that arrived while its chat was claimed (committed before the settle) leaves the chat due', async () => {
    const where = await tenantWithChannel();
    const chatId = await accept(where, 'c1', 'm1');
    const claim = await claimOne(chatId);
    await accept(where, 'c1', 'm2');
    expect(await laneOf(chatId)).toMatchObject({ due: false, claimed: true });
    expect(await lanes.settleAgent([answered(claim)], false)).toEqual([
      { chatId, dueNow: true, sendDueNow: true, reported: false },
    ]);
    expect(await laneOf(chatId)).toMatchObject({ due: true, claimed: false });
    expect((await claimOne(chatId)).message?.text).toBe('m2');
  });

  it('a message committed during the settle (after its snapshot, before its lock) leaves the chat due', async () => {
    for (let round = 0; round < 5; round += 1) {
      const where = await tenantWithChannel();
      const chatId = await accept(where, `race-${round}`, `first-${round}`);
      const claim = await claimOne(chatId);
      const other = await pool.connect();
      try {
        await other.query('BEGIN');
        await accept(where, `race-${round}`, `second-${round}`, other);
        // The settle takes its snapshot now and then waits for the chat row the open transaction holds.
        const settling = lanes.settleAgent([answered(claim)], false);
        await new Promise((resolve) => setTimeout(resolve, 100));
        await other.query('COMMIT');
        await settling;
      } finally {
        other.release();
      }
      expect(await laneOf(chatId)).toMatchObject({ due: true, claimed: false });
      expect((await claimOne(chatId)).message?.text).toBe(`second-${round}`);
    }
  });

  it('a settle under a lapsed lease does not touch the chat its new holder has claimed', async () => {
    const where = await tenantWithChannel();
    const chatId = await accept(where, 'c1', 'm1');
    const stale = await claimOne(chatId);
    // The lease lapses (its holder stalled past LEASE_MS): the chat is free for the next claim.
    await query(`UPDATE chats SET agent_claimed_until = now() - interval '1 second' WHERE id = $1`, [chatId]);
    const fresh = await claimOne(chatId);
    expect(fresh.lease).not.toBe(stale.lease);
    expect(await lanes.settleAgent([answered(stale)], false)).toEqual([]);
    expect(await laneOf(chatId)).toMatchObject({ due: false, claimed: true });
    // The stale settle wrote nothing: no reply stored where no send lane would pick it up; the holder's settle answers.
    expect(await query(`SELECT status, attempts FROM messages WHERE direction = 'inbound'`)).toEqual([
      { status: 'received', attempts: 0 },
    ]);
    await lanes.settleAgent([answered(fresh, 'again')], false);
    expect(await query(`SELECT text FROM messages WHERE direction = 'outbound'`)).toEqual([{ text: 'again' }]);
    expect(await laneOf(chatId)).toMatchObject({ due: null, claimed: false, sendDue: true });
  });

  it('a chat waiting out a backoff is not claimed; a retry holds the chat’s later messages', async () => {
    const where = await tenantWithChannel();
    const chatId = await accept(where, 'c1', 'm1');
    await accept(where, 'c1', 'm2');
    const claim = await claimOne(chatId);
    const retryAt = new Date(Date.now() + 60_000);
    await lanes.settleAgent(
      [{ ...answered(claim), outcome: 'retry', lastError: 'HTTP 503', retryAt, replies: [] }],
      false,
    );
    expect(await laneOf(chatId)).toMatchObject({ due: false, claimed: false });
    expect(await lanes.claimAgent(everything)).toEqual([]);
    expect(await query(`SELECT status, attempts, last_error FROM messages WHERE text = 'm1'`)).toEqual([
      { status: 'received', attempts: 1, last_error: 'HTTP 503' },
    ]);
  });

  it('caps one channel’s share of a claim and leaves out channels with no headroom', async () => {
    const busy = await tenantWithChannel();
    const quiet = await tenantWithChannel();
    for (let n = 0; n < 10; n += 1) await accept(busy, `b${n}`, `b${n}`);
    for (let n = 0; n < 3; n += 1) await accept(quiet, `q${n}`, `q${n}`);
    const first = await lanes.claimAgent({ limit: 50, headroom: new Map(), perChannel: 4 });
    expect(first.filter((claim) => claim.channelId === busy.channelId)).toHaveLength(4);
    expect(first.filter((claim) => claim.channelId === quiet.channelId)).toHaveLength(3);
    const second = await lanes.claimAgent({ limit: 50, headroom: new Map([[busy.channelId, 0]]), perChannel: 4 });
    expect(second).toEqual([]);
    const third = await lanes.claimAgent({ limit: 50, headroom: new Map([[busy.channelId, 2]]), perChannel: 4 });
    expect(third).toHaveLength(2);
  });

  it('a new chat of another channel is picked before the 50th chat of one channel’s backlog of 300', async () => {
    const flood = await tenantWithChannel();
    const calm = await tenantWithChannel();
    for (let n = 0; n < 300; n += 1) await accept(flood, `f${n}`, `f${n}`);
    const newcomer = await accept(calm, 'c0', 'c0');
    const picked: string[] = [];
    let stopAt: () => void = () => undefined;
    const enough = new Promise<void>((resolve) => (stopAt = resolve));
    // Each chat's work ends at once (as an echo Agent's does): the busy channel has room again after every one.
    const worker = new LaneWorker<AgentClaim>({
      lane: 'agent',
      slots: 64,
      perChannel: 4,
      claim: (limits) => lanes.claimAgent(limits),
      work: async (claim) => {
        picked.push(claim.chatId);
        if (picked.length >= 60) stopAt();
        await new Promise((resolve) => setImmediate(resolve));
      },
      release: () => Promise.resolve(),
      logger: new Logger('test'),
    });
    worker.start();
    await enough;
    await worker.stop(1000);
    expect(picked.indexOf(newcomer)).toBeGreaterThanOrEqual(0);
    expect(picked.indexOf(newcomer)).toBeLessThan(50);
  });

  it('one unwritable outcome fails alone: its neighbours in the batch and other tenants settle once', async () => {
    const a = await tenantWithChannel();
    const b = await tenantWithChannel();
    const bad = await claimOne(await accept(a, 'bad', 'bad'));
    const good = await claimOne(await accept(a, 'good', 'good'));
    const other = await claimOne(await accept(b, 'other', 'other'));
    // Half a surrogate pair: jsonb refuses it, so the batch of tenant A fails as a whole and is written again one by one.
    const results = await Promise.all([
      service.settleAgent(bad, settling(answered(bad, 'broken \ud83d'))),
      service.settleAgent(good, settling(answered(good, 'fine'))),
      service.settleAgent(other, settling(answered(other, 'fine too'))),
    ]);
    expect(results).toEqual([false, false, false]);
    const rows = await query<{ text: string; status: string; attempts: number; last_error: string | null }>(
      `SELECT text, status, attempts, last_error FROM messages ORDER BY text`,
    );
    expect(rows.find((row) => row.text === 'bad')).toMatchObject({
      status: 'failed',
      attempts: 1,
      last_error: expect.stringContaining('The outcome could not be stored'),
    });
    expect(rows.find((row) => row.text === 'good')).toMatchObject({ status: 'answered', attempts: 1 });
    expect(rows.find((row) => row.text === 'other')).toMatchObject({ status: 'answered', attempts: 1 });
    expect(rows.filter((row) => row.text === 'fine')).toHaveLength(1);
    expect(rows.filter((row) => row.text === 'fine too')).toHaveLength(1);
    for (const claim of [bad, good, other])
      expect(await laneOf(claim.chatId)).toMatchObject({ due: null, claimed: false });
  });
});
