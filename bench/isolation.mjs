// Backlog isolation: how much a dead client server's backlog slows down everybody else's deliveries.
// Usage: npm run bench:isolation -- --runs 3 --amount 3000 --backlog 20000 --backlog-chats 2000
//   Channel A (tenant A) has a healthy client server (200). A's delivered rate is measured `runs` times alone:
//   `amount` visitor messages over 100 chats posted by 32 connections as fast as the service takes them, the rate being
//   messages delivered per second from the first post to the last delivery (as bench/end-to-end.mjs). Then channel B
//   (tenant B, whose client server answers 503 to everything) gets `backlog` visitor messages over `backlog-chats`
//   chats, posted by 32 connections (the accept rate is recorded); once B's Agent lane has answered them all, their
//   replies are queued for the dead client, retried against 503 and mostly waiting out a backoff
//   (DELIVERY_RETRY_DELAYS_MS 1000,5000,30000,120000), and A's rate is measured `runs` times again beside that backlog.
//   The figure: median beside / median alone (target ≥ 0.85). B's backlog is built once (its Agent lane answering
//   20,000 messages in one channel can take minutes; the wait is capped at 200 s, and if it runs out the output says
//   "NOT all answered" and `backlog.answered` is false), so its accept rate is one measurement, not a median. Before
//   each measurement, alone or beside, chats and messages are VACUUM ANALYZEd, so that no autovacuum of the previous
//   phase's writes lands inside one.
//   Control: B is deleted at the end and A measured `runs` times again (afterB; controlRatio = afterB / alone): had A
//   slowed down for reasons of its own (its tables grew, the machine got busier), that shows here too.
//   BENCH_DATABASE_URL  a PostgreSQL server to use (default: an embedded PostgreSQL started for the run)
//   BENCH_LOG_LEVEL     the service's LOG_LEVEL (default warn)
//   BENCH_NODE_ARGS     extra node flags for the service
//   BENCH_RETRY_DELAYS_MS  the service's DELIVERY_RETRY_DELAYS_MS (default 1000,5000,30000,120000)
import { loadavg } from 'node:os';
import pg from 'pg';
import {
  ADMIN_TOKEN,
  benchArgs,
  benchDatabase,
  deliveryLog,
  laneStateOf,
  machine,
  median,
  postBurst,
  provisionChannel,
  reportFailure,
  sleep,
  startService,
  stubClientServer,
  vacuumAnalyze,
  watchServiceLog,
  writeResult,
} from './support.mjs';

const args = benchArgs();
const RUNS = Number(args.runs ?? 3);
const AMOUNT = Number(args.amount ?? 3000);
const BACKLOG = Number(args.backlog ?? 20000);
const BACKLOG_CHATS = Number(args['backlog-chats'] ?? 2000);
const CHATS = 100;
const CONNECTIONS = 32;
const RETRY_DELAYS = process.env.BENCH_RETRY_DELAYS_MS ?? '1000,5000,30000,120000';
const TARGET = 0.85;
/** Bounds: a run never waits longer than this for A's deliveries, nor for B's Agent lane to answer its backlog. */
const DELIVERY_TIMEOUT_MS = 45_000;
const DRAIN_TIMEOUT_MS = 200_000;

const deliveriesA = deliveryLog();
const { delivered } = deliveriesA;
const stubA = await stubClientServer(deliveriesA.onRequest);
let attemptsB = 0;
const stubB = await stubClientServer((req) => void (req.url.endsWith('/send_message') && (attemptsB += 1)), {
  status: 503,
});

/** `amount` posts by 32 connections; message n goes to chat n % chats. */
const post = (url, label, amount, chats) =>
  postBurst(url, { label, amount, chatOf: (n) => n % chats, connections: CONNECTIONS });

/** A's delivered rate: first post to last delivery. */
async function throughput(url, label, amount = AMOUNT) {
  // The machine's 1-minute load average as the measurement starts (this benchmark's own processes included).
  const load = loadavg()[0];
  const started = performance.now();
  const posting = await post(url, label, amount, CHATS);
  const postingSeconds = (performance.now() - started) / 1000;
  const ids = Array.from({ length: posting.posted }, (_, n) => `${label}-${n + 1}`);
  await deliveriesA.waitFor(ids, DELIVERY_TIMEOUT_MS);
  const done = ids.filter((id) => delivered.has(id));
  const seconds = done.length === 0 ? null : (Math.max(...done.map((id) => delivered.get(id))) - started) / 1000;
  return {
    load,
    posted: posting.posted,
    accepted: posting.accepted,
    postingSeconds,
    delivered: done.length,
    lost: ids.length - done.length,
    seconds,
    rate: done.length === 0 ? 0 : done.length / seconds,
  };
}

const db = await benchDatabase();
const sql = new pg.Pool({ connectionString: db.url, max: 2 });
const service = await startService(db.url, { DELIVERY_RETRY_DELAYS_MS: RETRY_DELAYS }).catch(async (error) => {
  await Promise.all([sql.end(), stubA.close(), stubB.close()]);
  await db.drop();
  throw error;
});
const log = watchServiceLog(service.child);
const base = `http://127.0.0.1:${service.port}`;

const stateOf = (channelId) => laneStateOf(sql, channelId);

try {
  const a = await provisionChannel(base, ADMIN_TOKEN, stubA.url);
  const urlA = `${base}/${a.token}/bot_api_webhook`;
  process.stdout.write('warm-up\n');
  const warm = await throughput(urlA, 'warm');
  if (warm.lost > 0)
    throw new Error(
      `the service did not deliver ${warm.lost} of ${warm.posted} warm-up messages within ${DELIVERY_TIMEOUT_MS / 1000} s`,
    );
  const alone = [];
  for (let run = 1; run <= RUNS; run += 1) {
    await vacuumAnalyze(sql);
    const result = await throughput(urlA, `alone${run}`);
    alone.push(result);
    process.stdout.write(
      `run ${run} A alone:  ${result.rate.toFixed(0)} msg/s (${result.delivered}/${result.posted} delivered in ${result.seconds?.toFixed(1) ?? '–'} s, lost ${result.lost})\n`,
    );
  }

  // B's backlog: accepted by the webhook as fast as it goes; built when B's Agent lane has answered everything, so
  // that all its replies are queued for the dead client (or the wait ran out: `answered` says how far it got).
  const b = await provisionChannel(base, ADMIN_TOKEN, stubB.url);
  const backlogStarted = performance.now();
  const posting = await post(`${base}/${b.token}/bot_api_webhook`, 'b', BACKLOG, BACKLOG_CHATS);
  const acceptSeconds = (performance.now() - backlogStarted) / 1000;
  const drainDeadline = Date.now() + DRAIN_TIMEOUT_MS;
  let state = await stateOf(b.channel.id);
  // [seconds since the first post, B's visitor messages still waiting for the Agent, send_message attempts so far]
  const progress = [[acceptSeconds, state.messages.received ?? 0, attemptsB]];
  while ((state.messages.received ?? 0) > 0 && Date.now() < drainDeadline) {
    await sleep(1000);
    state = await stateOf(b.channel.id);
    progress.push([(performance.now() - backlogStarted) / 1000, state.messages.received ?? 0, attemptsB]);
  }
  const backlog = {
    posted: posting.posted,
    accepted: posting.accepted,
    non2xx: posting.non2xx,
    errors: posting.errors,
    acceptSeconds,
    acceptRate: posting.accepted / acceptSeconds,
    answered: (state.messages.received ?? 0) === 0,
    answeredSeconds: (performance.now() - backlogStarted) / 1000,
    attemptsWhileBuilding: attemptsB,
    state,
    progress: progress
      .filter((_, n) => n % 5 === 0 || n === progress.length - 1)
      .map(([t, left, attempts]) => [Math.round(t * 10) / 10, left, attempts]),
  };
  process.stdout.write(
    `B backlog: ${posting.accepted}/${posting.posted} accepted in ${acceptSeconds.toFixed(1)} s (${backlog.acceptRate.toFixed(0)} msg/s); ` +
      `${backlog.answered ? 'all answered' : `NOT all answered (${state.messages.received} left)`} after ${backlog.answeredSeconds.toFixed(1)} s; ` +
      `send lane ${JSON.stringify(state.sendLane)}; messages ${JSON.stringify(state.messages)}\n`,
  );

  const beside = [];
  for (let run = 1; run <= RUNS; run += 1) {
    await vacuumAnalyze(sql);
    const before = await stateOf(b.channel.id);
    const attemptsBefore = attemptsB;
    const started = performance.now();
    const result = await throughput(urlA, `beside${run}`);
    const seconds = (performance.now() - started) / 1000;
    result.b = {
      before,
      after: await stateOf(b.channel.id),
      attempts: attemptsB - attemptsBefore,
      attemptsPerSecond: (attemptsB - attemptsBefore) / seconds,
    };
    beside.push(result);
    process.stdout.write(
      `run ${run} A beside: ${result.rate.toFixed(0)} msg/s (${result.delivered}/${result.posted} delivered in ${result.seconds?.toFixed(1) ?? '–'} s, lost ${result.lost}); ` +
        `B meanwhile: ${result.b.attempts} send_message attempts answered 503, send lane at start ${JSON.stringify(before.sendLane)}, queued ${before.messages.queued ?? 0}\n`,
    );
  }
  // Control: B deleted (its chats and messages cascade), A measured again. Had A slowed down for reasons of its own
  // (its tables grew, the machine got busier), this shows it as well as `beside`.
  const removed = await fetch(`${base}/api/v1/channels/${b.channel.id}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${b.tenant.apiKey}` },
  });
  if (!removed.ok) throw new Error(`DELETE channel B → ${removed.status}`);
  const afterB = [];
  for (let run = 1; run <= RUNS; run += 1) {
    await vacuumAnalyze(sql);
    const result = await throughput(urlA, `after${run}`);
    afterB.push(result);
    process.stdout.write(
      `run ${run} A after B was deleted (control): ${result.rate.toFixed(0)} msg/s (${result.delivered}/${result.posted} delivered in ${result.seconds?.toFixed(1) ?? '–'} s, lost ${result.lost})\n`,
    );
  }
  const runs = { alone, backlog, beside, afterB };
  const report = {
    name: 'isolation',
    date: new Date().toISOString(),
    machine: machine(),
    postgres: `${db.version}${db.embedded ? ' (embedded)' : ''}`,
    runs: RUNS,
    settings: {
      amount: AMOUNT,
      chats: CHATS,
      connections: CONNECTIONS,
      backlog: BACKLOG,
      backlogChats: BACKLOG_CHATS,
      retryDelaysMs: RETRY_DELAYS,
      channelMaxInFlight: Number(process.env.CHANNEL_MAX_IN_FLIGHT ?? 32),
      serviceNodeArgs: process.env.BENCH_NODE_ARGS ?? null,
    },
    target: { ratio: TARGET },
    median: {
      alone: median(alone.map((r) => r.rate)),
      beside: median(beside.map((r) => r.rate)),
      afterB: median(afterB.map((r) => r.rate)),
    },
    backlog: {
      acceptRate: backlog.acceptRate,
      acceptSeconds: backlog.acceptSeconds,
      accepted: backlog.accepted,
      posted: backlog.posted,
      answered: backlog.answered,
      answeredSeconds: backlog.answeredSeconds,
      // [seconds since B's first post, B's visitor messages not yet answered, send_message attempts at B so far]
      progress: backlog.progress,
    },
    lost: [...alone, ...beside, ...afterB].reduce((sum, r) => sum + r.lost, 0),
    duplicates: deliveriesA.duplicates,
    serviceLog: log,
    results: runs,
  };
  report.median.ratio = report.median.beside / report.median.alone;
  report.median.controlRatio = report.median.afterB / report.median.alone;
  // Beside against every measurement without B, before and after it: less sensitive to the machine's drift.
  report.median.ratioBracketed = report.median.beside / median([...alone, ...afterB].map((r) => r.rate));
  report.met = report.median.ratio >= TARGET;
  const path = writeResult('isolation', report);
  const m = report.median;
  process.stdout.write(
    `\nmedians: A alone ${m.alone.toFixed(0)} msg/s, beside B's backlog ${m.beside.toFixed(0)} msg/s, ratio ${m.ratio.toFixed(2)} (target ≥ ${TARGET}: ${report.met ? 'met' : 'MISSED'}); ` +
      `control, after B was deleted: ${m.afterB.toFixed(0)} msg/s (${m.controlRatio.toFixed(2)} × alone; beside / all runs without B ${m.ratioBracketed.toFixed(2)}); ` +
      `B's backlog accepted at ${backlog.acceptRate.toFixed(0)} msg/s (${backlog.accepted} in ${backlog.acceptSeconds.toFixed(1)} s); lost ${report.lost}, duplicates ${deliveriesA.duplicates}; wrote ${path}\n`,
  );
  process.stdout.write(
    `RESULT ${JSON.stringify({ name: 'isolation', alone: m.alone, beside: m.beside, ratio: m.ratio, afterB: m.afterB, controlRatio: m.controlRatio, ratioBracketed: m.ratioBracketed, target: TARGET, met: report.met, backlogAcceptRate: backlog.acceptRate, backlogAcceptSeconds: backlog.acceptSeconds, backlogAnswered: backlog.answered, lost: report.lost, duplicates: deliveriesA.duplicates, serviceLog: log.counts })}\n`,
  );
} catch (error) {
  reportFailure('isolation', error, {
    report: { duplicates: deliveriesA.duplicates, serviceLog: log },
    summary: { duplicates: deliveriesA.duplicates, serviceLog: log.counts },
  });
} finally {
  await service.stop();
  await sql.end();
  await stubA.close();
  await stubB.close();
  await db.drop();
}
