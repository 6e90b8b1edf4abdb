// End-to-end benchmark: client webhook → service → echo agent → send_message at a local stub, over 100 chats.
// Usage: npm run bench:e2e -- --runs 3 --amount 6000 --rate 100 --seconds 20
//   throughput: `amount` messages posted by 32 connections as fast as the service takes them; the figure is
//               messages delivered (send_message answered 200) per second, from the first post to the last delivery.
//   latency:    `rate` messages per second posted at a steady pace for `seconds`; each message's latency is from
//               its webhook request being sent to its send_message reaching the stub.
//   BENCH_DATABASE_URL  a PostgreSQL server to use (default: an embedded PostgreSQL started for the run)
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import autocannon from 'autocannon';
import { ADMIN_TOKEN, SECRETS_KEY, benchDatabase, median, provisionChannel, startProcess, stubClientServer } from './support.mjs';

const args = Object.fromEntries(process.argv.slice(2).join(' ').split('--').filter(Boolean).map((part) => part.trim().split(/\s+/)));
const RUNS = Number(args.runs ?? 3);
const AMOUNT = Number(args.amount ?? 6000);
const RATE = Number(args.rate ?? 100);
const SECONDS = Number(args.seconds ?? 20);
const CHATS = 100;
const CONNECTIONS = 32;

const delivered = new Map();
let duplicates = 0;
const stub = await stubClientServer((req, body) => {
  if (!req.url.endsWith('/send_message')) return;
  const text = JSON.parse(body).message.text.replace(/^Echo: /, '');
  if (delivered.has(text)) duplicates += 1;
  else delivered.set(text, performance.now());
});

function event(id) {
  const chat = Number(id.split('-').at(-1)) % CHATS;
  return JSON.stringify({ event: 'new_message', chat_id: chat, visitor: { id: `v-${chat}` }, message: { id, kind: 'visitor', text: id } });
}

async function waitDelivered(ids, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (ids.every((id) => delivered.has(id))) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}

async function throughput(url, label) {
  const accepted = [];
  let counter = 0;
  const started = performance.now();
  await new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        method: 'POST',
        connections: CONNECTIONS,
        amount: AMOUNT,
        headers: { 'content-type': 'application/json' },
        requests: [{ setupRequest: (request) => ({ ...request, body: event(`${label}-${(counter += 1)}`) }) }],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    instance.on('response', (_client, status, _body, _time) => void (status === 200 && accepted.push(null)));
  });
  const ids = Array.from({ length: counter }, (_, n) => `${label}-${n + 1}`);
  const posted = (performance.now() - started) / 1000;
  const deliveredWhilePosting = ids.filter((id) => delivered.has(id)).length;
  const complete = await waitDelivered(ids, 120_000);
  const lastDelivery = Math.max(...ids.map((id) => delivered.get(id) ?? 0));
  const seconds = (lastDelivery - started) / 1000;
  return { posted: counter, postingSeconds: posted, deliveredWhilePosting, accepted: accepted.length, delivered: ids.filter((id) => delivered.has(id)).length, lost: complete ? 0 : ids.filter((id) => !delivered.has(id)).length, seconds, rate: counter / seconds };
}

async function latency(url, label) {
  const sentAt = new Map();
  const total = RATE * SECONDS;
  const started = performance.now();
  const posts = [];
  for (let n = 1; n <= total; n += 1) {
    const due = started + ((n - 1) * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const id = `${label}-${n}`;
    sentAt.set(id, performance.now());
    posts.push(fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: event(id) }).then((res) => res.status));
  }
  const statuses = await Promise.all(posts);
  const ids = [...sentAt.keys()];
  await waitDelivered(ids, 60_000);
  const latencies = ids.filter((id) => delivered.has(id)).map((id) => delivered.get(id) - sentAt.get(id)).sort((a, b) => a - b);
  const at = (p) => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)];
  return { posted: total, accepted: statuses.filter((status) => status === 200).length, delivered: latencies.length, p50: at(50), p90: at(90), p99: at(99), max: latencies.at(-1) };
}

const db = await benchDatabase();
const service = await startProcess(
  'dist/apps/channel-service/src/main.js',
  { DATABASE_URL: db.url, NODE_ENV: 'development', ROLE: 'all', PORT: '0', LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn', PLATFORM_ADMIN_TOKEN: ADMIN_TOKEN, SECRETS_KEY },
  /URL:\s+http:\/\/localhost:(\d+)/,
  process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : [],
);
try {
  const { token } = await provisionChannel(`http://127.0.0.1:${service.port}`, ADMIN_TOKEN, stub.url);
  const url = `http://127.0.0.1:${service.port}/${token}/bot_api_webhook`;
  process.stdout.write(`warm-up\n`);
  await throughput(url, 'warm');
  const results = { throughput: [], latency: [] };
  for (let run = 1; run <= RUNS; run += 1) {
    const t = await throughput(url, `tp${run}`);
    results.throughput.push(t);
    process.stdout.write(`run ${run} throughput ${t.rate.toFixed(0)} msg/s (${t.delivered}/${t.posted} delivered in ${t.seconds.toFixed(1)} s; posting took ${t.postingSeconds.toFixed(1)} s, ${t.deliveredWhilePosting} delivered by then; lost ${t.lost})\n`);
    const l = await latency(url, `lat${run}`);
    results.latency.push(l);
    process.stdout.write(`run ${run} latency at ${RATE}/s: p50 ${l.p50.toFixed(0)} ms  p90 ${l.p90.toFixed(0)} ms  p99 ${l.p99.toFixed(0)} ms  max ${l.max.toFixed(0)} ms (${l.delivered}/${l.posted} delivered)\n`);
  }
  const report = {
    date: new Date().toISOString(),
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
    postgres: `${db.version}${db.embedded ? ' (embedded)' : ''}`,
    chats: CHATS,
    amount: AMOUNT,
    rate: RATE,
    seconds: SECONDS,
    runs: RUNS,
    duplicates,
    median: {
      throughput: median(results.throughput.map((r) => r.rate)),
      p50: median(results.latency.map((r) => r.p50)),
      p90: median(results.latency.map((r) => r.p90)),
      p99: median(results.latency.map((r) => r.p99)),
    },
    lost: results.throughput.reduce((sum, r) => sum + r.lost, 0) + results.latency.reduce((sum, r) => sum + (r.posted - r.delivered), 0),
    results,
  };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/end-to-end.json', `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`\nmedians: ${report.median.throughput.toFixed(0)} msg/s delivered end to end (target ≥ 300); at ${RATE} msg/s p99 ${report.median.p99.toFixed(0)} ms (target ≤ 250), p50 ${report.median.p50.toFixed(0)} ms; lost ${report.lost}; duplicate deliveries ${duplicates}\n`);
} finally {
  await service.stop();
  await stub.close();
  await db.drop();
}
