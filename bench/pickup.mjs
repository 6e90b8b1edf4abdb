// Pick-up cost: the send lane's claim statement with 1k, 10k and 100k chats waiting out a backoff beside 50 chats due.
// Usage: npm run bench:pickup -- --runs 3 --iterations 200 --sizes 1000,10000,100000
//   No service process: a migrated database filled with SQL, and the compiled ChatLanesRepository's claimSend (the
//   exact statement the dispatcher runs) over a pg Pool. 10 tenants with one channel each; the due chats (5 per
//   channel) and the chats in backoff (send_due_at an hour or two ahead, no lease) are spread over the
//   channels, each with one queued reply. Each iteration claims {limit 50, no channel full, 32 per channel}, checks it
//   took all 50 due chats, and puts them back (send_due_at = now(), lease cleared) so the next one claims again.
//   Per size: `iterations` timed claims after 20 unrecorded ones, median and p99 ms (time of the claimSend call, the
//   loopback round trip included), and one EXPLAIN (ANALYZE, BUFFERS) of the statement, saved in the result file.
//   Each run builds the tables from empty: 1k chats in backoff, then grown to 10k, then to 100k (VACUUM ANALYZE after
//   each step). The figure: median(100k) / median(1k), medians of the runs (target ≤ 1.5). `churn` shows the first vs
//   the last quarter of the iterations: each claim and put-back leaves dead entries in the due index until a vacuum.
//   --due N    chats due instead of 50 (the claim still takes 50): what a large due backlog, not a backoff, costs.
//   BENCH_DATABASE_URL  a PostgreSQL server to use (default: an embedded PostgreSQL started for the run)
import { createHash } from 'node:crypto';
import pg from 'pg';
import { benchArgs, benchDatabase, machine, median, percentile, reportFailure, writeResult } from './support.mjs';

const args = benchArgs();
const RUNS = Number(args.runs ?? 3);
const ITERATIONS = Number(args.iterations ?? 200);
const SIZES = String(args.sizes ?? '1000,10000,100000')
  .split(',')
  .map(Number);
const WARM_UP = 20;
const CHANNELS = 10;
const DUE = Number(args.due ?? 50);
const LIMITS = { limit: 50, headroom: new Map(), perChannel: 32 };
const TARGET = 1.5;

const { ChatLanesRepository } = await import(
  new URL('../dist/libs/lanes/src/lanes.repository.js', import.meta.url).href
);
const { PreparedStatements } = await import(new URL('../dist/libs/database/src/index.js', import.meta.url).href);

const db = await benchDatabase();
const pool = new pg.Pool({ connectionString: db.url, max: 2 });
/** The service's own statement runner over this pool; the last claim's SQL and values are kept for EXPLAIN. */
let lastClaim = null;
const statements = new PreparedStatements({ driver: { master: pool } });
const repository = new ChatLanesRepository({
  run(statement, values) {
    lastClaim = { sql: statement.text, params: values };
    return statements.run(statement, values);
  },
});

const channelIds = [];

async function setUp() {
  for (let n = 0; n < CHANNELS; n += 1) {
    const tenant = (await pool.query(`INSERT INTO tenants (name) VALUES ($1) RETURNING id`, [`pickup-${n}`])).rows[0]
      .id;
    await pool.query(`INSERT INTO agents (tenant_id, agent_id, trained) VALUES ($1, 'bench-agent', true)`, [tenant]);
    const channel = await pool.query(
      `INSERT INTO channels (tenant_id, agent_id, type, active, token_hash, token_encrypted, webhook_url)
       VALUES ($1, 'bench-agent', 'omnichannel', true, $2, 'not-a-real-token', 'http://127.0.0.1:9/client') RETURNING id`,
      [tenant, createHash('sha256').update(`pickup-token-${n}-${Date.now()}`).digest()],
    );
    channelIds.push(channel.rows[0].id);
  }
}

/** Adds `count` chats to the send lane, numbered from `from`, spread over the channels, each with one queued reply. */
async function addChats(from, count, due) {
  const step = 20_000;
  for (let start = from; start < from + count; start += step) {
    const end = Math.min(from + count, start + step) - 1;
    await pool.query(
      `WITH ch AS (
         SELECT id, tenant_id, row_number() OVER (ORDER BY id) - 1 AS k FROM channels WHERE id = ANY($1::uuid[])
       ), new_chats AS (
         INSERT INTO chats (tenant_id, channel_id, client_chat_id, client_chat_id_is_number, visitor_id, send_due_at, outbound_seq)
         SELECT ch.tenant_id, ch.id, n::text, true, 'v-' || n,
                CASE WHEN $4 THEN now() ELSE now() + interval '1 hour' + random() * interval '1 hour' END, 1
         FROM generate_series($2::int, $3::int) AS n JOIN ch ON ch.k = n % $5
         RETURNING id, tenant_id, channel_id
       )
       INSERT INTO messages (tenant_id, channel_id, chat_id, direction, kind, text, status)
       SELECT tenant_id, channel_id, id, 'outbound', 'operator', 'Echo: waiting', 'queued' FROM new_chats`,
      [channelIds, start, end, due, CHANNELS],
    );
  }
}

async function putBack(claims) {
  await pool.query(`UPDATE chats SET send_due_at = now(), send_claimed_until = NULL WHERE id = ANY($1::uuid[])`, [
    claims.map((claim) => claim.chatId),
  ]);
}

async function measure(size) {
  await pool.query('VACUUM ANALYZE chats');
  await pool.query('VACUUM ANALYZE messages');
  let short = 0;
  const times = [];
  for (let n = 0; n < WARM_UP + ITERATIONS; n += 1) {
    const started = performance.now();
    const claims = await repository.claimSend(LIMITS);
    const ms = performance.now() - started;
    if (claims.length !== Math.min(DUE, LIMITS.limit) || claims.some((claim) => claim.message === null)) short += 1;
    await putBack(claims);
    if (n >= WARM_UP) times.push(ms);
  }
  // Each claim and put-back leaves dead entries in the due range of chats_send_due_idx until the next vacuum: the
  // first and the last quarter of the iterations show what that churn costs, apart from the backoff's size.
  const quarter = Math.max(1, Math.floor(times.length / 4));
  const churn = {
    firstQuarterMedian: median(times.slice(0, quarter)),
    lastQuarterMedian: median(times.slice(-quarter)),
  };
  times.sort((a, b) => a - b);
  // One EXPLAIN ANALYZE of the very statement and parameters claimSend ran; it claims too, so the chats go back after.
  const explained = await pool.query(`EXPLAIN (ANALYZE, BUFFERS) ${lastClaim.sql}`, lastClaim.params);
  const plan = explained.rows.map((row) => row['QUERY PLAN']).join('\n');
  await pool.query(
    `UPDATE chats SET send_due_at = now(), send_claimed_until = NULL WHERE send_claimed_until IS NOT NULL`,
  );
  const execution = Number(/Execution Time: ([\d.]+) ms/.exec(plan)?.[1]);
  // Index entries the bitmap scan of the due index returned (dead ones included) for the live due chats; null when
  // the plan reads the index otherwise (a plain index scan counts live rows only).
  const bitmap = [...plan.matchAll(/Bitmap Index Scan on chats_send_due_idx .*?rows=([\d.]+)/g)].map((m) =>
    Number(m[1]),
  );
  churn.indexEntriesVisited = bitmap.length === 0 ? null : Math.max(...bitmap);
  const waiting = (
    await pool.query(
      `SELECT count(*) FILTER (WHERE send_due_at > now())::int AS backoff, count(*) FILTER (WHERE send_due_at <= now())::int AS due FROM chats`,
    )
  ).rows[0];
  return {
    size,
    waiting,
    iterations: ITERATIONS,
    median: median(times),
    p99: percentile(times, 99),
    min: times[0],
    max: times.at(-1),
    short,
    explainExecutionMs: execution,
    churn,
    plan,
  };
}

async function run(number) {
  await pool.query('TRUNCATE messages, chats');
  await addChats(0, DUE, true);
  let backoff = 0;
  const results = [];
  for (const size of SIZES) {
    const started = performance.now();
    await addChats(DUE + backoff, size - backoff, false);
    backoff = size;
    const buildSeconds = (performance.now() - started) / 1000;
    const result = await measure(size);
    result.buildSeconds = buildSeconds;
    results.push(result);
    process.stdout.write(
      `run ${number} ${String(size).padStart(7)} in backoff + ${DUE} due: claim median ${result.median.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, ` +
        `EXPLAIN ANALYZE ${result.explainExecutionMs} ms; churn: first/last quarter ${result.churn.firstQuarterMedian.toFixed(2)}/${result.churn.lastQuarterMedian.toFixed(2)} ms, ` +
        `${result.churn.indexEntriesVisited ?? 'n/a'} due-index entries visited at the end${result.short ? `; ${result.short} claims took fewer than ${Math.min(DUE, LIMITS.limit)} chats` : ''}\n`,
    );
  }
  return results;
}

try {
  await setUp();
  const runs = [];
  for (let number = 1; number <= RUNS; number += 1) runs.push(await run(number));
  const bySize = Object.fromEntries(
    SIZES.map((size, index) => {
      const of = runs.map((results) => results[index]);
      return [
        size,
        {
          median: median(of.map((r) => r.median)),
          p99: median(of.map((r) => r.p99)),
          explainExecutionMs: median(of.map((r) => r.explainExecutionMs)),
          short: of.reduce((sum, r) => sum + r.short, 0),
        },
      ];
    }),
  );
  const smallest = bySize[SIZES[0]];
  const largest = bySize[SIZES.at(-1)];
  const report = {
    name: 'pickup',
    date: new Date().toISOString(),
    machine: machine(),
    postgres: `${db.version}${db.embedded ? ' (embedded)' : ''}`,
    runs: RUNS,
    settings: {
      sizes: SIZES,
      due: DUE,
      channels: CHANNELS,
      iterations: ITERATIONS,
      warmUp: WARM_UP,
      limits: { limit: LIMITS.limit, headroom: {}, perChannel: LIMITS.perChannel },
    },
    target: { ratio: TARGET },
    median: bySize,
    ratio: largest.median / smallest.median,
    ratioP99: largest.p99 / smallest.p99,
    // The plans of the last run, one per size.
    plans: Object.fromEntries(runs.at(-1).map((r) => [r.size, r.plan])),
    results: runs.map((results) => results.map(({ plan: _plan, ...rest }) => rest)),
  };
  report.met = report.ratio <= TARGET;
  const path = writeResult('pickup', report);
  process.stdout.write(
    `\nmedians: ${SIZES.map((size) => `${size}: ${bySize[size].median.toFixed(2)} ms (p99 ${bySize[size].p99.toFixed(2)})`).join(', ')}; ` +
      `${SIZES.at(-1)}/${SIZES[0]} ${report.ratio.toFixed(2)}× (target ≤ ${TARGET}: ${report.met ? 'met' : 'MISSED'}); wrote ${path}\n`,
  );
  process.stdout.write(
    `RESULT ${JSON.stringify({ name: 'pickup', bySize, ratio: report.ratio, ratioP99: report.ratioP99, target: TARGET, met: report.met })}\n`,
  );
} catch (error) {
  reportFailure('pickup', error);
} finally {
  await pool.end();
  await db.drop();
}
