// Slow-client fairness: a channel whose client server takes 2 s per send_message must not slow down another tenant's.
// Usage: npm run bench:fairness -- --runs 3 --rate 100 --seconds 20 --slow-chats 5000 --slow-ms 2000
//   Channel F (tenant F, client answers at once) gets a steady `rate` visitor messages per second for `seconds` over
//   100 chats; each message's latency is from its webhook request being sent to its send_message reaching F's stub
//   (as bench/end-to-end.mjs). This is measured `runs` times alone, for reference; then channel S (tenant S, whose
//   client server answers every send_message after `slow-ms`) gets one visitor message in each of `slow-chats` chats,
//   and once S's Agent lane has answered them all (all S's chats are due in the send lane, and S holds its
//   CHANNEL_MAX_IN_FLIGHT send slots at every moment), F's latency is measured `runs` times beside S.
//   The figure: F's p99 beside S, the median of the runs (target ≤ 100 ms); p50 too, and the same alone. Each run also
//   splits F's latency by lane from the service's timestamps (Agent lane: visitor message stored → reply queued; send
//   lane: reply queued → delivered). Before each measurement chats and messages are VACUUM ANALYZEd. S's backlog is
//   built once; S works off 32 chats per 2 s, so it still has thousands due in the last run.
//   BENCH_DATABASE_URL  a PostgreSQL server to use (default: an embedded PostgreSQL started for the run)
//   BENCH_LOG_LEVEL     the service's LOG_LEVEL (default warn)
//   BENCH_NODE_ARGS     extra node flags for the service
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
  steadyLatency,
  stubClientServer,
  vacuumAnalyze,
  watchServiceLog,
  writeResult,
} from './support.mjs';

const args = benchArgs();
const RUNS = Number(args.runs ?? 3);
const RATE = Number(args.rate ?? 100);
const SECONDS = Number(args.seconds ?? 20);
const SLOW_CHATS = Number(args['slow-chats'] ?? 5000);
const SLOW_MS = Number(args['slow-ms'] ?? 2000);
const CHATS = 100;
const CONNECTIONS = 32;
const TARGET_P99 = 100;
/** Bounds: F's deliveries are awaited this long after the last post; S's Agent lane this long for its answers. */
const DELIVERY_TIMEOUT_MS = 30_000;
const ANSWER_TIMEOUT_MS = 90_000;

const deliveriesF = deliveryLog();
const stubF = await stubClientServer(deliveriesF.onRequest);
const slow = { requests: 0, inFlight: 0, maxInFlight: 0 };
const stubS = await stubClientServer(
  (req, _body) => {
    if (!req.url.endsWith('/send_message')) return;
    slow.requests += 1;
    slow.inFlight += 1;
    slow.maxInFlight = Math.max(slow.maxInFlight, slow.inFlight);
    setTimeout(() => (slow.inFlight -= 1), SLOW_MS);
  },
  { delayMs: SLOW_MS },
);

/** `RATE` messages a second for `seconds` over 100 chats; latency from the webhook request to F's stub. */
const latency = (url, label, seconds = SECONDS) =>
  steadyLatency(url, { label, rate: RATE, seconds, chats: CHATS, log: deliveriesF, timeoutMs: DELIVERY_TIMEOUT_MS });

const db = await benchDatabase();
const sql = new pg.Pool({ connectionString: db.url, max: 2 });
const service = await startService(db.url).catch(async (error) => {
  await Promise.all([sql.end(), stubF.close(), stubS.close()]);
  await db.drop();
  throw error;
});
const log = watchServiceLog(service.child);
const base = `http://127.0.0.1:${service.port}`;

const stateOf = (channelId) => laneStateOf(sql, channelId);

/**
 * Where F's latency went, from the service's own timestamps: the Agent lane (visitor message stored → reply queued)
 * and the send lane (reply queued → delivered). Replies are matched to their visitor message by the echoed text.
 */
async function stagesOf(channelId, label) {
  const { rows } = await sql.query(
    `WITH t AS (
       SELECT extract(epoch FROM r.created_at - v.created_at) * 1000 AS agent, extract(epoch FROM r.delivered_at - r.created_at) * 1000 AS send
       FROM messages v JOIN messages r ON r.chat_id = v.chat_id AND r.direction = 'outbound' AND r.text = 'Echo: ' || v.text
       WHERE v.channel_id = $1 AND v.direction = 'inbound' AND v.client_message_id LIKE $2
     )
     SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY agent) AS "agentP50", percentile_cont(0.99) WITHIN GROUP (ORDER BY agent) AS "agentP99",
            percentile_cont(0.5) WITHIN GROUP (ORDER BY send) AS "sendP50", percentile_cont(0.99) WITHIN GROUP (ORDER BY send) AS "sendP99", count(*)::int AS replies
     FROM t`,
    [channelId, `${label}-%`],
  );
  return rows[0];
}

const medians = (results) => ({
  p50: median(results.map((r) => r.p50)),
  p90: median(results.map((r) => r.p90)),
  p99: median(results.map((r) => r.p99)),
  stages: Object.fromEntries(
    ['agentP50', 'agentP99', 'sendP50', 'sendP99'].map((key) => [
      key,
      median(results.map((r) => Number(r.stages[key]))),
    ]),
  ),
});
const ms = (value) => (value === null || value === undefined ? '–' : Number(value).toFixed(0));
const line = (l) =>
  `p50 ${ms(l.p50)} ms  p90 ${ms(l.p90)} ms  p99 ${ms(l.p99)} ms  max ${ms(l.max)} ms (${l.delivered}/${l.posted} delivered, ${l.accepted} accepted; ` +
  `Agent lane p50/p99 ${ms(l.stages.agentP50)}/${ms(l.stages.agentP99)} ms, send lane ${ms(l.stages.sendP50)}/${ms(l.stages.sendP99)} ms)`;

try {
  const f = await provisionChannel(base, ADMIN_TOKEN, stubF.url);
  const urlF = `${base}/${f.token}/bot_api_webhook`;
  process.stdout.write('warm-up\n');
  const warm = await latency(urlF, 'warm', Math.min(SECONDS, 5));
  if (warm.lost > 0)
    throw new Error(
      `the service did not deliver ${warm.lost} of ${warm.posted} warm-up messages within ${DELIVERY_TIMEOUT_MS / 1000} s`,
    );
  const alone = [];
  for (let run = 1; run <= RUNS; run += 1) {
    await vacuumAnalyze(sql);
    const result = await latency(urlF, `alone${run}`);
    result.stages = await stagesOf(f.channel.id, `alone${run}`);
    alone.push(result);
    process.stdout.write(`run ${run} F alone:  ${line(result)}\n`);
  }

  // S: one visitor message in each of its chats; its backlog is built when they are all answered (replies due).
  const s = await provisionChannel(base, ADMIN_TOKEN, stubS.url);
  const backlogStarted = performance.now();
  const { posted: counter, accepted } = await postBurst(`${base}/${s.token}/bot_api_webhook`, {
    label: 's',
    amount: SLOW_CHATS,
    chatOf: (n) => n,
    connections: CONNECTIONS,
  });
  const acceptSeconds = (performance.now() - backlogStarted) / 1000;
  const deadline = Date.now() + ANSWER_TIMEOUT_MS;
  let state = await stateOf(s.channel.id);
  while ((state.messages.received ?? 0) > 0 && Date.now() < deadline) {
    await sleep(1000);
    state = await stateOf(s.channel.id);
  }
  const backlog = {
    posted: counter,
    accepted,
    acceptSeconds,
    answered: (state.messages.received ?? 0) === 0,
    answeredSeconds: (performance.now() - backlogStarted) / 1000,
    state,
  };
  process.stdout.write(
    `S: ${accepted}/${counter} visitor messages accepted in ${acceptSeconds.toFixed(1)} s, ${backlog.answered ? 'all answered' : `NOT all answered (${state.messages.received} left)`} after ${backlog.answeredSeconds.toFixed(1)} s; ` +
      `send lane ${JSON.stringify(state.sendLane)}; S's client holds ${slow.inFlight} requests\n`,
  );

  const beside = [];
  for (let run = 1; run <= RUNS; run += 1) {
    await vacuumAnalyze(sql);
    const before = await stateOf(s.channel.id);
    const requestsBefore = slow.requests;
    slow.maxInFlight = slow.inFlight;
    const result = await latency(urlF, `beside${run}`);
    result.stages = await stagesOf(f.channel.id, `beside${run}`);
    result.s = {
      before: before.sendLane,
      queuedBefore: before.messages.queued ?? 0,
      sendMessages: slow.requests - requestsBefore,
      maxInFlight: slow.maxInFlight,
    };
    beside.push(result);
    process.stdout.write(
      `run ${run} F beside: ${line(result)}; S meanwhile: ${result.s.queuedBefore} replies queued at start, ${result.s.sendMessages} send_message calls, at most ${result.s.maxInFlight} at once\n`,
    );
  }

  const report = {
    name: 'fairness',
    date: new Date().toISOString(),
    machine: machine(),
    postgres: `${db.version}${db.embedded ? ' (embedded)' : ''}`,
    runs: RUNS,
    settings: {
      rate: RATE,
      seconds: SECONDS,
      chats: CHATS,
      slowChats: SLOW_CHATS,
      slowMs: SLOW_MS,
      channelMaxInFlight: Number(process.env.CHANNEL_MAX_IN_FLIGHT ?? 32),
      serviceNodeArgs: process.env.BENCH_NODE_ARGS ?? null,
    },
    target: { p99: TARGET_P99 },
    median: {
      beside: medians(beside),
      alone: medians(alone),
    },
    lost: [...alone, ...beside].reduce((sum, r) => sum + r.lost, 0),
    duplicates: deliveriesF.duplicates,
    backlog,
    serviceLog: log,
    results: { alone, beside },
  };
  report.met = report.median.beside.p99 <= TARGET_P99;
  const path = writeResult('fairness', report);
  const m = report.median;
  process.stdout.write(
    `\nmedians: F beside S (${SLOW_CHATS} chats due, ${SLOW_MS} ms a send_message) p50 ${m.beside.p50.toFixed(0)} ms, p99 ${m.beside.p99.toFixed(0)} ms (target ≤ ${TARGET_P99}: ${report.met ? 'met' : 'MISSED'}); ` +
      `F alone p50 ${m.alone.p50.toFixed(0)} ms, p99 ${m.alone.p99.toFixed(0)} ms; lost ${report.lost}, duplicates ${deliveriesF.duplicates}; wrote ${path}\n`,
  );
  process.stdout.write(
    `RESULT ${JSON.stringify({ name: 'fairness', beside: m.beside, alone: m.alone, target: TARGET_P99, met: report.met, lost: report.lost, duplicates: deliveriesF.duplicates, serviceLog: log.counts })}\n`,
  );
} catch (error) {
  reportFailure('fairness', error, {
    report: { duplicates: deliveriesF.duplicates, serviceLog: log },
    summary: { duplicates: deliveriesF.duplicates, serviceLog: log.counts },
  });
} finally {
  await service.stop();
  await sql.end();
  await stubF.close();
  await stubS.close();
  await db.drop();
}
