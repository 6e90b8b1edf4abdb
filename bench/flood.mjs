// One tenant's inbound flood must not be felt by another tenant.
// Usage: npm run bench:flood -- --runs 3 --seconds 20 --rate 20 --flood-chats 5000 --connections 48
//   Tenant B posts a steady `rate` visitor messages a second over 100 chats for `seconds`: its webhook latency (post →
//   answer) and delivery latency (post → send_message at B's stub) are measured alone, then while tenant A posts as
//   fast as `connections` connections go over `flood-chats` chats for the same time, `runs` times each, alternating.
//   The service runs with its default inbound rate limit (100 messages/s, bursts of 500 per channel), so most of A's
//   posts are answered 429.
//   Targets: B's webhook p99 and delivery p99 beside A each ≤ 3× B alone (medians of the runs); nothing of B's refused;
//   every post of A answered 200 is stored (A's 200s = A's stored messages).
//   BENCH_DATABASE_URL  a PostgreSQL server to use (default: an embedded PostgreSQL started for the run)
//   BENCH_LOG_LEVEL     the service's LOG_LEVEL (default warn)
import pg from 'pg';
import {
  ADMIN_TOKEN,
  benchArgs,
  benchDatabase,
  deliveryLog,
  machine,
  median,
  postBurst,
  provisionChannel,
  reportFailure,
  sleep,
  startService,
  steadyLatency,
  stubClientServer,
  watchServiceLog,
  writeResult,
} from './support.mjs';

const args = benchArgs();
const RUNS = Number(args.runs ?? 3);
const SECONDS = Number(args.seconds ?? 20);
const RATE = Number(args.rate ?? 20);
const FLOOD_CHATS = Number(args['flood-chats'] ?? 5000);
const CONNECTIONS = Number(args.connections ?? 48);
const TARGET_RATIO = 3;

const logB = deliveryLog();
const stubB = await stubClientServer(logB.onRequest);
const stubA = await stubClientServer();
const db = await benchDatabase();
const sql = new pg.Pool({ connectionString: db.url, max: 2 });
// The defaults of a real deployment: the rate limit is what is measured here.
const service = await startService(db.url, { INBOUND_RATE_LIMIT_PER_SECOND: '100', INBOUND_RATE_LIMIT_BURST: '500' });
const log = watchServiceLog(service.child);
const base = `http://127.0.0.1:${service.port}`;

/** A's flood: `CONNECTIONS` connections posting back to back for SECONDS; answers counted by status. */
const flood = (url, label) =>
  postBurst(url, {
    label,
    duration: SECONDS,
    connections: CONNECTIONS,
    chatOf: (n) => `a${n % FLOOD_CHATS}`,
  });

const steadyB = (url, label) =>
  steadyLatency(url, {
    label,
    rate: RATE,
    seconds: SECONDS,
    chats: 100,
    log: logB,
    timeoutMs: 60_000,
    chatPrefix: 'b',
  });

const report = { date: new Date().toISOString(), machine: machine(), seconds: SECONDS, rate: RATE, runs: RUNS };
try {
  report.postgres = `${db.version}${db.embedded ? ' (embedded)' : ''}`;
  const a = await provisionChannel(base, ADMIN_TOKEN, stubA.url);
  const b = await provisionChannel(base, ADMIN_TOKEN, stubB.url);
  const urlA = `${base}/${a.token}/bot_api_webhook`;
  const urlB = `${base}/${b.token}/bot_api_webhook`;
  process.stdout.write(`flood: ${report.machine}; PostgreSQL ${report.postgres}\nwarm-up\n`);
  await steadyB(urlB, 'warm');
  const alone = [];
  const beside = [];
  const floods = [];
  for (let run = 1; run <= RUNS; run += 1) {
    const one = await steadyB(urlB, `alone${run}`);
    alone.push(one);
    process.stdout.write(
      `run ${run} B alone: webhook p99 ${one.webhookP99.toFixed(1)} ms, delivery p50 ${one.p50.toFixed(1)} / p99 ${one.p99.toFixed(1)} ms, refused ${one.refused}\n`,
    );
    await sleep(2000); // A's bucket fills again: each flood starts with its burst
    const [floodResult, two] = await Promise.all([flood(urlA, `flood${run}`), steadyB(urlB, `beside${run}`)]);
    const stored = await sql.query(
      `SELECT count(*)::int AS n FROM messages WHERE channel_id = $1 AND direction = 'inbound' AND client_message_id LIKE $2`,
      [a.channel.id, `flood${run}-%`],
    );
    floodResult.stored = stored.rows[0].n;
    floods.push(floodResult);
    beside.push(two);
    process.stdout.write(
      `run ${run} B beside A: webhook p99 ${two.webhookP99.toFixed(1)} ms, delivery p50 ${two.p50.toFixed(1)} / p99 ${two.p99.toFixed(1)} ms, refused ${two.refused}; ` +
        `A posted ${floodResult.posted} (${(floodResult.posted / SECONDS).toFixed(0)}/s): ${JSON.stringify(floodResult.statuses)}, stored ${floodResult.stored}\n`,
    );
    // A's accepted burst drains before the next B-alone measurement.
    await sleep(5000);
  }
  const m = (list, key) => median(list.map((r) => r[key]));
  report.alone = alone;
  report.beside = beside;
  report.floods = floods;
  report.median = {
    aloneWebhookP99: m(alone, 'webhookP99'),
    besideWebhookP99: m(beside, 'webhookP99'),
    aloneP99: m(alone, 'p99'),
    besideP99: m(beside, 'p99'),
  };
  report.webhookRatio = report.median.besideWebhookP99 / report.median.aloneWebhookP99;
  report.deliveryRatio = report.median.besideP99 / report.median.aloneP99;
  report.refusedB = beside.reduce((sum, r) => sum + r.refused, 0) + alone.reduce((sum, r) => sum + r.refused, 0);
  report.lostB = beside.reduce((sum, r) => sum + r.lost, 0) + alone.reduce((sum, r) => sum + r.lost, 0);
  // autocannon stops counting answers when its duration ends, so a few 200s it sent are stored but not counted: the
  // check is that no counted 200 is missing from the database (stored ≥ 200s counted), per flood.
  report.unstoredA = floods.reduce((sum, f) => sum + Math.max(0, (f.statuses[200] ?? 0) - f.stored), 0);
  report.log = log.counts;
  writeResult('flood', report);
  process.stdout.write(
    `\nmedians: B's webhook p99 ${report.median.aloneWebhookP99.toFixed(1)} → ${report.median.besideWebhookP99.toFixed(1)} ms (${report.webhookRatio.toFixed(2)}×, target ≤ ${TARGET_RATIO}×); ` +
      `B's delivery p99 ${report.median.aloneP99.toFixed(1)} → ${report.median.besideP99.toFixed(1)} ms (${report.deliveryRatio.toFixed(2)}×, target ≤ ${TARGET_RATIO}×); ` +
      `B refused ${report.refusedB}, B lost ${report.lostB}; A's 200s not stored: ${report.unstoredA}\n`,
  );
  process.stdout.write(
    `RESULT ${JSON.stringify({ name: 'flood', webhookRatio: report.webhookRatio, deliveryRatio: report.deliveryRatio, refusedB: report.refusedB, unstoredA: report.unstoredA })}\n`,
  );
} catch (error) {
  reportFailure('flood', error, { report });
} finally {
  await service.stop();
  await sql.end();
  await Promise.all([stubA.close(), stubB.close()]);
  await db.drop();
}
