// Soak: a steady open-loop load through the whole loop (client webhook → echo Agent → send_message at a stub answering
// 200), for the bare pipeline (bench/bare-pipeline.mjs) and then for the service, one after the other on the same
// PostgreSQL, each on its own fresh database; printed per minute side by side.
// Usage: npm run bench:soak -- --minutes 10 --rate 300 --chats 2000 --window 60   (both sides, then the chart
//        docs/benchmarks-soak.svg); --only bare|service one side alone; --chart-only <result.json> the chart alone
//   Each message's latency runs from its webhook request being sent to its send_message reaching the stub; a minute's
//   figures are those of the messages posted in it. Per window: p50, p99 and max latency, the webhook answers' p99, posts
//   with no HTTP answer, the lane and message tables' sizes and dead tuples (pg_stat_user_tables), autovacuum runs, and
//   WAL bytes written per message delivered in the window (pg_current_wal_lsn; autovacuum's WAL included).
//   BENCH_DATABASE_URL  a PostgreSQL server to use (default: an embedded PostgreSQL with default settings, autovacuum
//                       on). The local server here has autovacuum off: a soak there measures nothing real.
//   BENCH_LOG_LEVEL     the service's LOG_LEVEL (default warn)
//   MESSAGE_RETENTION, RETENTION_SWEEP_INTERVAL   passed to the service (e.g. MESSAGE_RETENTION=2m: the message
//                       table's live rows and size should level off after the horizon; docs/benchmarks.md)
import { readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import pg from 'pg';
import {
  benchArgs,
  benchDatabase,
  deliveryLog,
  machine,
  median,
  percentile,
  provisionChannel,
  ADMIN_TOKEN,
  reportFailure,
  sleep,
  startBarePipeline,
  startService,
  stubClientServer,
  visitorEvent,
  watchServiceLog,
  writeResult,
} from './support.mjs';

const args = benchArgs();
const MINUTES = Number(args.minutes ?? 10);
const RATE = Number(args.rate ?? 300);
const CHATS = Number(args.chats ?? 2000);
const WINDOW_S = Number(args.window ?? 60);
const ONLY = args.only ?? null; // 'bare' or 'service': one side alone, for profiling
const TARGET_P99 = 50;
const TARGET_RATIO = 2;

/** Webhook posts go over keep-alive connections, as a client server's would; cheaper for this process than fetch. */
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

/** Posts `body` to `url`; resolves with the status, or rejects with the connection's error. */
function postOne(url, body) {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      agent,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** One visitor message in each chat, answered and delivered, before the clock starts: the chats exist, the plans are made. */
async function warmUp(url, side) {
  const ids = [];
  for (let chat = 0; chat < CHATS; chat += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, CHATS - chat) }, (_, k) => {
        const id = `warm-${side}-${chat + k}`;
        ids.push(id);
        return postOne(url, visitorEvent(id, chat + k));
      }),
    );
  }
  if (!(await log.waitFor(ids, 60_000))) throw new Error(`${side}: the warm-up's messages were not all delivered`);
  await sql.query(`VACUUM ANALYZE ${TABLES[side].lane}, ${TABLES[side].messages}`);
}

const TABLES = {
  bare: { lane: 'bare_chats', messages: 'bare_messages' },
  service: { lane: 'chats', messages: 'messages' },
};

if (args['chart-only']) {
  // `--chart-only <result.json>`: the chart from a result file as it is.
  process.stdout.write(`${writeChart(JSON.parse(readFileSync(args['chart-only'], 'utf8')))}\n`);
  process.exit(0);
}

const log = deliveryLog();
const stub = await stubClientServer(log.onRequest);
const db = await benchDatabase();
const sql = new pg.Pool({ connectionString: db.url, max: 2 });

/** Lane and message tables: total size (heap + indexes + TOAST), live and dead tuples, autovacuum runs so far. */
async function tableStats(side) {
  const { lane, messages } = TABLES[side];
  const { rows } = await sql.query(
    `SELECT relname, pg_total_relation_size(relid)::bigint AS bytes, n_live_tup::bigint AS live, n_dead_tup::bigint AS dead,
            autovacuum_count::int AS autovacuums, n_tup_upd::bigint AS updates, n_tup_hot_upd::bigint AS hot
     FROM pg_stat_user_tables WHERE relname = ANY($1)`,
    [[lane, messages]],
  );
  const of = (name) => {
    const row = rows.find((r) => r.relname === name) ?? {};
    return {
      bytes: Number(row.bytes ?? 0),
      live: Number(row.live ?? 0),
      dead: Number(row.dead ?? 0),
      autovacuums: row.autovacuums ?? 0,
      updates: Number(row.updates ?? 0),
      hot: Number(row.hot ?? 0),
    };
  };
  const wal = (await sql.query('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0].lsn;
  return { lane: of(lane), messages: of(messages), wal };
}

const walBytes = async (from, to) =>
  Number((await sql.query('SELECT pg_wal_lsn_diff($1, $2)::bigint AS d', [to, from])).rows[0].d);

/** `RATE` posts a second for MINUTES, open loop; statistics every WINDOW_S seconds. */
async function soak(side, url) {
  await warmUp(url, side);
  const label = `${side}-${Date.now()}`;
  const total = Math.round(RATE * MINUTES * 60);
  const windowCount = Math.ceil((MINUTES * 60) / WINDOW_S);
  const posts = []; // [sentAt, answeredAt, status, error]
  const snapshots = [await tableStats(side)];
  const started = performance.now();
  let nextSnapshot = started + WINDOW_S * 1000;
  const pending = [];
  for (let n = 1; n <= total; n += 1) {
    const due = started + ((n - 1) * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    if (performance.now() >= nextSnapshot) {
      nextSnapshot += WINDOW_S * 1000;
      pending.push(tableStats(side).then((s) => snapshots.push(s)));
      const w = snapshots.length;
      if (w % Math.max(1, Math.round(60 / WINDOW_S)) === 0) process.stdout.write(`  ${side}: ${n - 1} posted\n`);
    }
    const one = {
      id: `${label}-${n}`,
      sentAt: performance.now(),
      wall: Date.now(),
      answeredAt: null,
      status: 0,
      error: null,
    };
    posts.push(one);
    pending.push(
      postOne(url, visitorEvent(one.id, n % CHATS)).then(
        (status) => {
          one.status = status;
          one.answeredAt = performance.now();
        },
        (error) => {
          one.error = String(error?.code ?? error?.message ?? error);
          one.answeredAt = performance.now();
        },
      ),
    );
  }
  await Promise.all(pending);
  await log.waitFor(
    posts.filter((p) => p.status === 200).map((p) => p.id),
    60_000,
  );
  // The last window closes once its messages were delivered (or the wait gave up).
  while (snapshots.length < windowCount) snapshots.push(await tableStats(side));
  snapshots.push(await tableStats(side));

  const windows = [];
  for (let w = 0; w < windowCount; w += 1) {
    const from = started + w * WINDOW_S * 1000;
    const to = from + WINDOW_S * 1000;
    const inWindow = posts.filter((p) => p.sentAt >= from && p.sentAt < to);
    const latencies = inWindow
      .filter((p) => log.delivered.has(p.id))
      .map((p) => log.delivered.get(p.id) - p.sentAt)
      .sort((a, b) => a - b);
    const answers = inWindow
      .filter((p) => p.status !== 0)
      .map((p) => p.answeredAt - p.sentAt)
      .sort((a, b) => a - b);
    const before = snapshots[w];
    const after = snapshots[w + 1];
    const deliveredInWindow = [...log.delivered.values()].filter((t) => t >= from && t < to).length;
    windows.push({
      window: w + 1,
      posted: inWindow.length,
      delivered: latencies.length,
      lost: inWindow.filter((p) => p.status === 200 && !log.delivered.has(p.id)).length,
      noAnswer: inWindow.filter((p) => p.error !== null).length,
      errors: [...new Set(inWindow.filter((p) => p.error !== null).map((p) => p.error))],
      refused: inWindow.filter((p) => p.status !== 0 && p.status !== 200).length,
      p50: latencies.length ? percentile(latencies, 50) : null,
      p99: latencies.length ? percentile(latencies, 99) : null,
      max: latencies.length ? latencies.at(-1) : null,
      webhookP99: answers.length ? percentile(answers, 99) : null,
      laneBytes: after.lane.bytes,
      laneDead: after.lane.dead,
      messagesBytes: after.messages.bytes,
      messagesLive: after.messages.live,
      messagesDead: after.messages.dead,
      autovacuums: after.lane.autovacuums - before.lane.autovacuums,
      walPerMessage: deliveredInWindow ? (await walBytes(before.wal, after.wal)) / deliveredInWindow : null,
    });
  }
  const slowest = side === 'service' ? await legsOfSlowest(posts) : null;
  const last = snapshots.at(-1);
  const first = snapshots[0];
  const delivered = posts.filter((p) => log.delivered.has(p.id)).length;
  return {
    side,
    posted: total,
    accepted: posts.filter((p) => p.status === 200).length,
    delivered,
    lost: posts.filter((p) => p.status === 200 && !log.delivered.has(p.id)).length,
    noAnswer: posts.filter((p) => p.error !== null).length,
    walPerMessage: (await walBytes(first.wal, last.wal)) / Math.max(1, delivered),
    hot: {
      lane: { updates: last.lane.updates - first.lane.updates, hot: last.lane.hot - first.lane.hot },
      messages: {
        updates: last.messages.updates - first.messages.updates,
        hot: last.messages.hot - first.messages.hot,
      },
    },
    windows,
    slowest,
  };
}

/**
 * Where the slowest 1 % of the service's messages spent their time, from the service's own timestamps: accept (post
 * sent → visitor message stored), Agent lane (stored → reply queued), send lane (queued → delivered, the settle after
 * the stub answered), and the rest (delivered at the stub → settled, clocks' offsets). Each leg's median and p90 over
 * those messages, and how many had each leg as their longest.
 */
async function legsOfSlowest(posts) {
  const slow = posts
    .filter((p) => log.delivered.has(p.id))
    .map((p) => ({ id: p.id, wall: p.wall, latency: log.delivered.get(p.id) - p.sentAt }))
    .sort((a, b) => b.latency - a.latency)
    .slice(0, Math.max(1, Math.ceil(posts.length / 100)));
  const { rows } = await sql.query(
    `SELECT i.client_message_id AS id, extract(epoch FROM i.created_at) * 1000 AS stored,
            extract(epoch FROM o.created_at) * 1000 AS queued, extract(epoch FROM o.delivered_at) * 1000 AS delivered
     FROM messages i JOIN messages o ON o.chat_id = i.chat_id AND o.direction = 'outbound' AND o.text = 'Echo: ' || i.text
     WHERE i.client_message_id = ANY($1)`,
    [slow.map((s) => s.id)],
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  const legs = { accept: [], agent: [], send: [] };
  const longest = { accept: 0, agent: 0, send: 0 };
  for (const s of slow) {
    const r = byId.get(s.id);
    if (!r) continue;
    const one = { accept: r.stored - s.wall, agent: r.queued - r.stored, send: r.delivered - r.queued };
    for (const leg of Object.keys(legs)) legs[leg].push(one[leg]);
    longest[Object.entries(one).sort((a, b) => b[1] - a[1])[0][0]] += 1;
  }
  const summary = (values) => {
    const sorted = values.sort((a, b) => a - b);
    return sorted.length ? { p50: percentile(sorted, 50), p90: percentile(sorted, 90) } : null;
  };
  return {
    messages: slow.length,
    latency: { from: slow.at(-1)?.latency, to: slow[0]?.latency },
    legs: Object.fromEntries(Object.entries(legs).map(([leg, values]) => [leg, summary(values)])),
    longest,
  };
}

/** docs/benchmarks-soak.svg: p50 and p99 per window of both sides, and the 50 ms target. */
function writeChart(result, path = 'docs/benchmarks-soak.svg') {
  const W = 720;
  const H = 300;
  const left = 50;
  const top = 30;
  const width = W - left - 160;
  const height = H - top - 50;
  const series = [
    { label: 'service p99', color: '#c0392b', values: result.service.windows.map((w) => w.p99) },
    { label: 'bare p99', color: '#2c3e50', values: result.bare.windows.map((w) => w.p99) },
    { label: 'service p50', color: '#e6a09a', values: result.service.windows.map((w) => w.p50) },
    { label: 'bare p50', color: '#95a5a6', values: result.bare.windows.map((w) => w.p50) },
  ];
  const max = Math.max(60, ...series.flatMap((one) => one.values)) * 1.1;
  const n = result.service.windows.length;
  const x = (i) => left + (n === 1 ? width / 2 : (i * width) / (n - 1));
  const y = (v) => top + height - (v / max) * height;
  const lines = series.map(
    (one) =>
      `<polyline fill="none" stroke="${one.color}" stroke-width="2" points="${one.values.map((v, i) => `${x(i).toFixed(1)},${y(v ?? 0).toFixed(1)}`).join(' ')}"/>`,
  );
  const legend = series.map(
    (one, i) =>
      `<rect x="${left + width + 20}" y="${top + i * 20}" width="12" height="3" fill="${one.color}"/><text x="${left + width + 38}" y="${top + i * 20 + 5}" font-size="11">${one.label}</text>`,
  );
  const ticks = [0, 25, 50, 75, 100, 150, 200, 300].filter((v) => v <= max);
  const svg = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${left}" y="18" font-size="13">Soak: ${result.rate} msg/s over ${result.chats} chats, latency per ${result.window} s window (ms)</text>`,
    ...ticks.map(
      (v) =>
        `<line x1="${left}" x2="${left + width}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/><text x="${left - 6}" y="${y(v) + 4}" font-size="10" text-anchor="end">${v}</text>`,
    ),
    `<line x1="${left}" x2="${left + width}" y1="${y(50)}" y2="${y(50)}" stroke="#27ae60" stroke-dasharray="4 3"/>`,
    `<text x="${left + width + 20}" y="${top + 4 * 20 + 5}" font-size="11" fill="#27ae60">target p99 50 ms</text>`,
    ...lines,
    ...legend,
    ...result.service.windows.map(
      (w, i) => `<text x="${x(i)}" y="${top + height + 15}" font-size="10" text-anchor="middle">${w.window}</text>`,
    ),
    `<text x="${left}" y="${H - 10}" font-size="10" fill="#555">${result.machine}, PostgreSQL ${result.postgres}, ${result.date.slice(0, 10)} (npm run bench:soak)</text>`,
    '</svg>',
  ];
  writeFileSync(path, `${svg.join('\n')}\n`);
  return path;
}

const fmt = (v, digits = 0) => (v === null || v === undefined ? '-' : Number(v).toFixed(digits));
const mb = (bytes) => (bytes / 2 ** 20).toFixed(1);

function printSide(result) {
  process.stdout.write(
    `\n${result.side}: ${result.delivered}/${result.posted} delivered, lost ${result.lost}, no answer ${result.noAnswer}, WAL ${fmt(result.walPerMessage)} B/message; HOT updates: lane ${result.hot.lane.hot}/${result.hot.lane.updates}, messages ${result.hot.messages.hot}/${result.hot.messages.updates}\n` +
      'window  p50 ms  p99 ms  max ms  webhook p99  no answer  lane MB  lane dead  msgs MB  msgs live  msgs dead  autovac  WAL B/msg\n',
  );
  if (result.slowest) {
    const { slowest } = result;
    const legs = Object.entries(slowest.legs)
      .map(([leg, v]) => `${leg} p50 ${fmt(v?.p50, 1)} / p90 ${fmt(v?.p90, 1)} ms, longest in ${slowest.longest[leg]}`)
      .join('; ');
    process.stdout.write(
      `slowest ${slowest.messages} (${fmt(slowest.latency.from)}–${fmt(slowest.latency.to)} ms): ${legs}\n`,
    );
  }
  for (const w of result.windows)
    process.stdout.write(
      `${String(w.window).padStart(6)}  ${fmt(w.p50, 1).padStart(6)}  ${fmt(w.p99, 1).padStart(6)}  ${fmt(w.max).padStart(6)}  ${fmt(w.webhookP99, 1).padStart(11)}  ${String(w.noAnswer).padStart(9)}  ${mb(w.laneBytes).padStart(7)}  ${String(w.laneDead).padStart(9)}  ${mb(w.messagesBytes).padStart(7)}  ${String(w.messagesLive).padStart(9)}  ${String(w.messagesDead).padStart(9)}  ${String(w.autovacuums).padStart(7)}  ${fmt(w.walPerMessage).padStart(9)}\n`,
    );
}

let service = null;
let bare = null;
const report = {
  date: new Date().toISOString(),
  machine: machine(),
  minutes: MINUTES,
  rate: RATE,
  chats: CHATS,
  window: WINDOW_S,
};
try {
  report.postgres = `${db.version}${db.embedded ? ' (embedded)' : ''}`;
  report.autovacuum = (await sql.query('SHOW autovacuum')).rows[0].autovacuum;
  if (report.autovacuum !== 'on')
    process.stderr.write('warning: autovacuum is off on this server: the soak measures nothing real\n');
  process.stdout.write(
    `soak: ${RATE} msg/s over ${CHATS} chats for ${MINUTES} min each side; ${report.machine}; PostgreSQL ${report.postgres}\n`,
  );
  if (ONLY !== 'service') {
    bare = await startBarePipeline(db.url, stub.url);
    process.stdout.write('bare pipeline\n');
    report.bare = await soak('bare', bare.webhookUrl);
    await bare.stop();
    bare = null;
    printSide(report.bare);
  }
  if (ONLY !== 'bare') {
    service = await startService(db.url);
    const serviceLog = watchServiceLog(service.child);
    const { token } = await provisionChannel(`http://127.0.0.1:${service.port}`, ADMIN_TOKEN, stub.url);
    process.stdout.write('service\n');
    report.service = await soak('service', `http://127.0.0.1:${service.port}/${token}/bot_api_webhook`);
    report.service.log = serviceLog.counts;
    printSide(report.service);
  }
  report.duplicates = log.duplicates;
  if (report.bare && report.service) {
    const pairs = report.service.windows.map((w, i) => ({ service: w.p99, bare: report.bare.windows[i]?.p99 }));
    report.summary = {
      worstMinuteP99: Math.max(...report.service.windows.map((w) => w.p99 ?? Infinity)),
      worstRatio: Math.max(...pairs.map((p) => p.service / p.bare)),
      medianP99: median(report.service.windows.map((w) => w.p99)),
      medianBareP99: median(report.bare.windows.map((w) => w.p99)),
      walRatio: report.service.walPerMessage / report.bare.walPerMessage,
    };
    process.stdout.write(
      `\nservice p99 per window ≤ ${fmt(report.summary.worstMinuteP99, 1)} ms (target ≤ ${TARGET_P99}); median p99 ${fmt(report.summary.medianP99, 1)} ms vs bare ${fmt(report.summary.medianBareP99, 1)} ms; worst window ratio ${fmt(report.summary.worstRatio, 2)}× (target ≤ ${TARGET_RATIO}×); WAL per message ${fmt(report.summary.walRatio, 2)}× bare (target ≤ 1.5×); no answer: service ${report.service.noAnswer}, bare ${report.bare.noAnswer}; lost: service ${report.service.lost}, bare ${report.bare.lost}; duplicates ${log.duplicates}\n`,
    );
  }
  if (report.bare && report.service) process.stdout.write(`chart: ${writeChart(report)}\n`);
  const path = writeResult('soak', report);
  process.stdout.write(`RESULT ${JSON.stringify({ name: 'soak', file: path, ...report.summary })}\n`);
} catch (error) {
  reportFailure('soak', error, { report });
} finally {
  await bare?.stop();
  await service?.stop();
  await sql.end();
  await stub.close();
  await db.drop();
}
