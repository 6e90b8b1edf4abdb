// End-to-end benchmark: client webhook → service → echo agent → send_message at a local stub, over 100 chats, beside
// the bare pipeline (bench/bare-pipeline.mjs: the same lane steps with no framework) measured in the same runs.
// Usage: npm run bench:e2e -- --runs 3 --amount 6000 --rate 100 --seconds 20
//   throughput: `amount` messages posted by 32 connections as fast as the service takes them; the figure is
//               messages delivered (send_message answered 200) per second, from the first post to the last delivery;
//               each run measures the bare pipeline too, and the ratio service / bare is the figure to compare.
//   latency:    `rate` messages per second posted at a steady pace for `seconds`; each message's latency is from
//               its webhook request being sent to its send_message reaching the stub.
//   BENCH_DATABASE_URL  a PostgreSQL server to use (default: an embedded PostgreSQL started for the run)
import {
  ADMIN_TOKEN,
  benchArgs,
  benchDatabase,
  cpuBetween,
  cpuSeconds,
  deliveryLog,
  machine,
  median,
  postBurst,
  provisionChannel,
  startBarePipeline,
  startService,
  steadyLatency,
  stubClientServer,
  writeResult,
} from './support.mjs';

const args = benchArgs();
const RUNS = Number(args.runs ?? 3);
const AMOUNT = Number(args.amount ?? 6000);
const RATE = Number(args.rate ?? 100);
const SECONDS = Number(args.seconds ?? 20);
const CHATS = 100;

const log = deliveryLog();
const { delivered } = log;
const stub = await stubClientServer(log.onRequest);

async function throughput(url, label, pid = service.child.pid) {
  const cpuBefore = cpuSeconds(pid);
  const started = performance.now();
  const posting = await postBurst(url, { label, amount: AMOUNT, chatOf: (n) => n % CHATS });
  const ids = Array.from({ length: posting.posted }, (_, n) => `${label}-${n + 1}`);
  const posted = (performance.now() - started) / 1000;
  const deliveredWhilePosting = ids.filter((id) => delivered.has(id)).length;
  const complete = await log.waitFor(ids, 120_000);
  const lastDelivery = Math.max(...ids.map((id) => delivered.get(id) ?? 0));
  const seconds = (lastDelivery - started) / 1000;
  // From the first post until every message was delivered (or the wait gave up): what the whole pipeline used.
  const cpu = cpuBetween(cpuBefore, cpuSeconds(pid));
  return {
    cpu,
    posted: posting.posted,
    postingSeconds: posted,
    deliveredWhilePosting,
    accepted: posting.accepted,
    delivered: ids.filter((id) => delivered.has(id)).length,
    lost: complete ? 0 : ids.filter((id) => !delivered.has(id)).length,
    seconds,
    rate: posting.posted / seconds,
  };
}

const latency = (url, label) =>
  steadyLatency(url, { label, rate: RATE, seconds: SECONDS, chats: CHATS, log, timeoutMs: 60_000 });

const db = await benchDatabase();
const service = await startService(db.url);
const bare = await startBarePipeline(db.url, stub.url);
try {
  const { token } = await provisionChannel(`http://127.0.0.1:${service.port}`, ADMIN_TOKEN, stub.url);
  const url = `http://127.0.0.1:${service.port}/${token}/bot_api_webhook`;
  process.stdout.write(`warm-up\n`);
  await throughput(url, 'warm');
  await throughput(bare.webhookUrl, 'bare-warm', bare.child.pid);
  const results = { throughput: [], bare: [], latency: [] };
  for (let run = 1; run <= RUNS; run += 1) {
    const b = await throughput(bare.webhookUrl, `bare${run}`, bare.child.pid);
    results.bare.push(b);
    process.stdout.write(
      `run ${run} bare pipeline ${b.rate.toFixed(0)} msg/s (${b.delivered}/${b.posted} delivered, lost ${b.lost})` +
        (b.cpu ? `; CPU s: bare ${b.cpu.service.toFixed(2)}, PostgreSQL ${b.cpu.postgres.toFixed(2)}` : '') +
        '\n',
    );
    const t = await throughput(url, `tp${run}`);
    results.throughput.push(t);
    process.stdout.write(
      `run ${run} throughput ${t.rate.toFixed(0)} msg/s (${t.delivered}/${t.posted} delivered in ${t.seconds.toFixed(1)} s; posting took ${t.postingSeconds.toFixed(1)} s, ${t.deliveredWhilePosting} delivered by then; lost ${t.lost})` +
        (t.cpu
          ? `; CPU s: service ${t.cpu.service.toFixed(2)}, PostgreSQL ${t.cpu.postgres.toFixed(2)}, load generator and stub ${t.cpu.bench.toFixed(2)}`
          : '') +
        '\n',
    );
    const l = await latency(url, `lat${run}`);
    results.latency.push(l);
    process.stdout.write(
      `run ${run} latency at ${RATE}/s: p50 ${l.p50.toFixed(0)} ms  p90 ${l.p90.toFixed(0)} ms  p99 ${l.p99.toFixed(0)} ms  max ${l.max.toFixed(0)} ms (${l.delivered}/${l.posted} delivered)\n`,
    );
  }
  const report = {
    date: new Date().toISOString(),
    machine: machine(),
    postgres: `${db.version}${db.embedded ? ' (embedded)' : ''}`,
    chats: CHATS,
    amount: AMOUNT,
    rate: RATE,
    seconds: SECONDS,
    runs: RUNS,
    duplicates: log.duplicates,
    median: {
      throughput: median(results.throughput.map((r) => r.rate)),
      bareThroughput: median(results.bare.map((r) => r.rate)),
      ratio: median(results.throughput.map((r, i) => r.rate / results.bare[i].rate)),
      // Messages delivered per CPU-second of each side during the throughput runs: messages/s one core sustains.
      perCore: results.throughput[0].cpu && {
        service: median(results.throughput.map((r) => r.delivered / r.cpu.service)),
        postgres: median(results.throughput.map((r) => r.delivered / r.cpu.postgres)),
        bench: median(results.throughput.map((r) => r.delivered / r.cpu.bench)),
      },
      p50: median(results.latency.map((r) => r.p50)),
      p90: median(results.latency.map((r) => r.p90)),
      p99: median(results.latency.map((r) => r.p99)),
    },
    lost:
      results.throughput.reduce((sum, r) => sum + r.lost, 0) +
      results.latency.reduce((sum, r) => sum + (r.posted - r.delivered), 0),
    results,
  };
  writeResult('end-to-end', report);
  process.stdout.write(
    `\nmedians: ${report.median.throughput.toFixed(0)} msg/s delivered end to end against ${report.median.bareThroughput.toFixed(0)} for the bare pipeline, ${report.median.ratio.toFixed(2)}× (target ≥ 0.85×); at ${RATE} msg/s p99 ${report.median.p99.toFixed(0)} ms (target ≤ 50), p50 ${report.median.p50.toFixed(0)} ms; lost ${report.lost}; duplicate deliveries ${log.duplicates}\n`,
  );
} finally {
  await bare.stop();
  await service.stop();
  await stub.close();
  await db.drop();
}
