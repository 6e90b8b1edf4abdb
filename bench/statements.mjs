// Where the database's work goes, statement by statement, for the bare pipeline and the service under the same steady
// load: pg_stat_statements on an embedded PostgreSQL started with it (default settings otherwise, autovacuum on).
// Usage: npm run bench:statements -- --rate 300 --seconds 60 --chats 2000
//   Per side: one visitor message in each chat first (the chats exist), then `rate` messages a second for `seconds`;
//   the statistics are reset between the two. Per statement: calls, mean execution time, and per message delivered
//   the execution time, WAL records, full-page images and WAL bytes; then the WAL per message over the whole phase
//   (pg_current_wal_lsn: autovacuum and checkpoints included).
import pg from 'pg';
import {
  ADMIN_TOKEN,
  benchArgs,
  benchDatabase,
  deliveryLog,
  machine,
  provisionChannel,
  reportFailure,
  startBarePipeline,
  startService,
  steadyLatency,
  stubClientServer,
  writeResult,
} from './support.mjs';

const args = benchArgs();
const RATE = Number(args.rate ?? 300);
const SECONDS = Number(args.seconds ?? 60);
const CHATS = Number(args.chats ?? 2000);

const log = deliveryLog();
const stub = await stubClientServer(log.onRequest);
const db = await benchDatabase({ settings: { shared_preload_libraries: 'pg_stat_statements' } });
const sql = new pg.Client({ connectionString: db.url });
await sql.connect();
await sql.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');

async function measure(side, url) {
  const warm = await steadyLatency(url, {
    label: `${side}-warm`,
    rate: RATE,
    seconds: CHATS / RATE,
    chats: CHATS,
    log,
    timeoutMs: 60_000,
  });
  if (warm.lost > 0) throw new Error(`${side}: ${warm.lost} warm-up messages were not delivered`);
  await sql.query('SELECT pg_stat_statements_reset()');
  const walBefore = (await sql.query('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0].lsn;
  const run = await steadyLatency(url, {
    label: side,
    rate: RATE,
    seconds: SECONDS,
    chats: CHATS,
    log,
    timeoutMs: 60_000,
  });
  const wal = await sql.query('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1)::bigint AS bytes', [walBefore]);
  const { rows } = await sql.query(
    `SELECT calls::int, total_exec_time AS ms, rows::bigint, wal_records::bigint, wal_fpi::bigint, wal_bytes::bigint,
            left(regexp_replace(query, '\\s+', ' ', 'g'), 90) AS query
     FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%' AND calls > 10 ORDER BY total_exec_time DESC LIMIT 12`,
  );
  const per = (v) => Number(v) / run.delivered;
  const statements = rows.map((r) => ({
    query: r.query,
    calls: r.calls,
    meanMs: r.ms / r.calls,
    msPerMessage: per(r.ms),
    walRecordsPerMessage: per(r.wal_records),
    fpiPerMessage: per(r.wal_fpi),
    walBytesPerMessage: per(r.wal_bytes),
  }));
  const result = { side, run, walPerMessage: per(wal.rows[0].bytes), statements };
  process.stdout.write(
    `\n${side}: ${run.delivered}/${run.posted} delivered, p50 ${run.p50.toFixed(1)} ms, p99 ${run.p99.toFixed(1)} ms; WAL ${result.walPerMessage.toFixed(0)} B/message in all\n` +
      '  calls  mean ms  ms/msg  WAL rec/msg  FPI/msg  WAL B/msg  statement\n',
  );
  for (const s of statements)
    process.stdout.write(
      `${String(s.calls).padStart(7)}  ${s.meanMs.toFixed(3).padStart(7)}  ${s.msPerMessage.toFixed(3).padStart(6)}  ${s.walRecordsPerMessage.toFixed(2).padStart(11)}  ${s.fpiPerMessage.toFixed(3).padStart(7)}  ${s.walBytesPerMessage.toFixed(0).padStart(9)}  ${s.query}\n`,
    );
  return result;
}

let bare = null;
let service = null;
const report = { date: new Date().toISOString(), machine: machine(), rate: RATE, seconds: SECONDS, chats: CHATS };
try {
  report.postgres = `${db.version}${db.embedded ? ' (embedded)' : ''}`;
  bare = await startBarePipeline(db.url, stub.url);
  report.bare = await measure('bare', bare.webhookUrl);
  await bare.stop();
  bare = null;
  service = await startService(db.url);
  const { token } = await provisionChannel(`http://127.0.0.1:${service.port}`, ADMIN_TOKEN, stub.url);
  report.service = await measure('service', `http://127.0.0.1:${service.port}/${token}/bot_api_webhook`);
  report.walRatio = report.service.walPerMessage / report.bare.walPerMessage;
  process.stdout.write(`\nWAL per message: service ${report.walRatio.toFixed(2)}× the bare pipeline\n`);
  writeResult('statements', report);
} catch (error) {
  reportFailure('statements', error, { report });
} finally {
  await bare?.stop();
  await service?.stop();
  await sql.end();
  await stub.close();
  await db.drop();
}
