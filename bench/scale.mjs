// Replicas behind HAProxy: two `ROLE=api` replicas behind HAProxy (Debian's package) and one, then two, `ROLE=worker`
// replicas on one PostgreSQL, beside a single `ROLE=all` replica without a proxy measured in the same run; then a steady
// load during which one API replica and one worker replica are killed (SIGKILL).
// Usage: npm run bench:scale -- --runs 3 --amount 6000 --rate 200 --seconds 20
//   throughput: per run, for each configuration (one `ROLE=all` replica, direct; 2 api + 1 worker; 2 api + 2 workers,
//               both through HAProxy; each run starts with the next one) freshly started and warmed up with `warm`
//               messages: `amount` messages over `chats` chats of `channels` channels (default 100 chats of 1
//               channel, as bench:e2e) posted by 32 connections as fast as they are taken; the figure is messages
//               delivered per second from the first post to the last send_message, and messages per CPU-second of
//               the service's replicas (summed), of the PostgreSQL cluster (postmaster, backends, background and
//               exited processes) and of HAProxy. Then `rate` messages a second for `steady-seconds`: latency and
//               CPU per message below the ceiling.
//   kill:       per run, 2 api + 2 workers behind HAProxy, a client server answering in `client-delay` ms, `rate`
//               messages a second for `seconds` over `chats` chats (the k-th message of chat c has the text
//               `c<c> m<k>`, posted without waiting for the previous answer); at `kill-api-at` s one API replica is
//               SIGKILLed, at `kill-worker-at` s one worker replica. Then: every acknowledged (200) post delivered?
//               any Idempotency-Key received twice, and does the kill explain it (a send lane the killed worker
//               held, first received by the kill, again after its lease: at-least-once)? per chat, replies in the
//               order the messages were stored, and in the order they were posted? posts not answered 200? how long
//               until the chats the killed worker held (their leases read from `chats` right after the kill) deliver
//               a message posted after it?
//   --statements        a diagnosis, not a measurement: pg_stat_statements loaded, statements per message printed
//   BENCH_DATABASE_URL  a PostgreSQL server to use (default: an embedded PostgreSQL with default settings, autovacuum
//                       on; the PostgreSQL CPU figures need the embedded one, found by its port)
//   HAPROXY             the haproxy binary (default /usr/sbin/haproxy)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import {
  ADMIN_TOKEN,
  benchArgs,
  benchDatabase,
  clusterCpuSeconds,
  machine,
  machineCpuSeconds,
  median,
  percentile,
  processCpuSeconds,
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
const AMOUNT = Number(args.amount ?? 6000);
const WARM = Number(args.warm ?? 1500);
const CHATS = Number(args.chats ?? 100);
const CHANNELS = Number(args.channels ?? 1);
const RATE = Number(args.rate ?? 200);
const SECONDS = Number(args.seconds ?? 20);
const STEADY_SECONDS = Number(args['steady-seconds'] ?? 10);
const CLIENT_DELAY = Number(args['client-delay'] ?? 50);
const KILL_API_AT = Number(args['kill-api-at'] ?? 6);
const KILL_WORKER_AT = Number(args['kill-worker-at'] ?? 10);
const ONLY = args.only ?? 'all'; // throughput | kill | all
// A diagnosis, not a measurement: pg_stat_statements loaded (it costs CPU itself), each configuration's statements
// per message delivered in the result.
const STATEMENTS = 'statements' in args;
const HAPROXY = process.env.HAPROXY ?? '/usr/sbin/haproxy';
const CONFIGURATIONS = [
  { name: 'all', label: '1 × ROLE=all, direct', all: true },
  { name: 'w1', label: '2 api + 1 worker, HAProxy', apis: 2, workers: 1 },
  { name: 'w2', label: '2 api + 2 workers, HAProxy', apis: 2, workers: 2 },
];

// ---------------------------------------------------------------------------------------------- client server stub

/**
 * What the client stub received: every send_message by Idempotency-Key (each receipt's time), the first receipt of
 * each text (`Echo: ` taken off), and per chat every receipt in arrival order. The stub answers 200 to all, so a
 * key received twice is a second delivery of an acknowledged message.
 */
function tracker() {
  const log = {
    receipts: 0,
    keys: new Map(), // key → { chat, text, at: [times] }
    texts: new Map(), // text → { first, keys: Set }
    chats: new Map(), // chat → [{ key, text, at }]
    onRequest(req, body) {
      if (!req.url.endsWith('/send_message')) return;
      const at = performance.now();
      const { chat_id: chatId, message } = JSON.parse(body);
      const key = req.headers['idempotency-key'];
      const text = String(message?.text ?? '').replace(/^Echo: /, '');
      const chat = String(chatId);
      log.receipts += 1;
      let entry = log.keys.get(key);
      if (!entry) log.keys.set(key, (entry = { chat, text, at: [] }));
      entry.at.push(at);
      let byText = log.texts.get(text);
      if (!byText) log.texts.set(text, (byText = { first: at, keys: new Set() }));
      byText.keys.add(key);
      if (!log.chats.has(chat)) log.chats.set(chat, []);
      log.chats.get(chat).push({ key, text, at });
    },
    async waitFor(texts, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (texts.every((text) => log.texts.has(text))) return true;
        await sleep(20);
      }
      return false;
    },
    duplicateKeys: () => [...log.keys.entries()].filter(([, entry]) => entry.at.length > 1),
    textsUnderSeveralKeys: () => [...log.texts.entries()].filter(([, entry]) => entry.keys.size > 1),
  };
  return log;
}

let current = tracker();
const stub = await stubClientServer((req, body) => current.onRequest(req, body));
// The kill phase's client server answers after CLIENT_DELAY ms, like a real peer: each worker then holds a few send
// lanes at any moment, so the kill always finds some (with an instant stub it may find none).
const slowStub = await stubClientServer((req, body) => current.onRequest(req, body), { delayMs: CLIENT_DELAY });

// -------------------------------------------------------------------------------------------------------- processes

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** SIGTERM (or `signal`) and wait for the exit; a process already gone (killed by the benchmark) resolves at once. */
function stopChild(child, signal = 'SIGTERM') {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

function haproxyConfig({ port, socket, servers }) {
  // The webhook is idempotent per (channel, message id): a post retried after the first copy was stored is answered
  // 200 `duplicate` and stored once, so it may be retried after a reply went missing (empty-response) or never came
  // (response-timeout), on another replica. Everything else (the admin API's POSTs create tenants, keys, channels)
  // is retried only when no connection was made (conn-failure, HAProxy's default).
  const check = 'check inter 500 fall 2 rise 2';
  return `global
  maxconn 4096
  stats socket ${socket} mode 600 level admin
  log stderr format raw local0 info

defaults
  mode http
  log global
  option httplog
  option dontlog-normal
  timeout connect 1s
  timeout client 30s
  timeout server 10s
  timeout http-keep-alive 10s
  timeout check 1s
  retries 3
  option redispatch 1

frontend public
  bind 127.0.0.1:${port}
  use_backend webhook if { method POST } { path_end /bot_api_webhook }
  default_backend api

backend webhook
  balance roundrobin
  retry-on conn-failure empty-response response-timeout
  option httpchk GET /health/ready
  http-check expect status 200
${servers.map((s) => `  server ${s.name} 127.0.0.1:${s.port} ${check}`).join('\n')}

backend api
  balance roundrobin
  retry-on conn-failure
${servers.map((s) => `  server ${s.name} 127.0.0.1:${s.port} track webhook/${s.name}`).join('\n')}
`;
}

async function startHaproxy(servers) {
  const dir = mkdtempSync(join(tmpdir(), 'channel-service-haproxy-'));
  const port = await freePort();
  const socket = join(dir, 'admin.sock');
  const config = haproxyConfig({ port, socket, servers });
  writeFileSync(join(dir, 'haproxy.cfg'), config);
  const child = spawn(HAPROXY, ['-f', join(dir, 'haproxy.cfg'), '-db'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = [];
  let rest = '';
  const onData = (chunk) => {
    const parts = (rest + chunk.toString()).split('\n');
    rest = parts.pop();
    for (const line of parts) if (line.trim()) lines.push({ at: performance.now(), line });
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  try {
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`haproxy exited (${child.exitCode}):\n${lines.map((l) => l.line).join('\n')}`);
      const ready = await fetch(`${url}/health/ready`).then(
        (res) => res.arrayBuffer().then(() => res.ok),
        () => false,
      );
      const stats = ready ? await haproxyStats(socket) : [];
      if (stats.filter((row) => row.pxname === 'webhook' && row.status === 'UP').length === servers.length) break;
      if (Date.now() > deadline)
        throw new Error(`haproxy did not see every server UP:\n${lines.map((l) => l.line).join('\n')}`);
      await sleep(100);
    }
  } catch (error) {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    child,
    url,
    config,
    lines,
    stats: () => haproxyStats(socket),
    async stop() {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** HAProxy's `show stat` over its admin socket, one object per row (frontend, servers, backend). */
function haproxyStats(socket) {
  return new Promise((resolve) => {
    const client = connect(socket);
    let output = '';
    client.on('data', (chunk) => (output += chunk.toString()));
    client.on('error', () => resolve([]));
    client.on('end', () => {
      const [header, ...rows] = output.trim().split('\n');
      if (!header?.startsWith('# ')) return resolve([]);
      const names = header.slice(2).split(',');
      resolve(rows.map((row) => Object.fromEntries(row.split(',').map((value, i) => [names[i], value]))));
    });
    client.write('show stat\n');
  });
}

/** The figures of one HAProxy stats row that say what happened to requests: retries, redispatches, errors. */
function statSummary(row) {
  const pick = ['status', 'stot', 'wretr', 'wredis', 'econ', 'eresp', 'hrsp_2xx', 'hrsp_5xx', 'chkdown', 'downtime'];
  return Object.fromEntries(pick.filter((name) => row[name] !== undefined).map((name) => [name, row[name]]));
}

/**
 * One configuration's processes: one `ROLE=all` replica posted to directly, or `apis` ROLE=api and `workers`
 * ROLE=worker replicas with HAProxy in front of the API replicas; plus `channels` channels provisioned through it.
 */
async function startTopology(config, clientUrl = stub.url) {
  const replicas = [];
  const start = async (role, name) => {
    const proc = await startService(db.url, { ROLE: role });
    const replica = { role, name, proc, pid: proc.child.pid, log: watchServiceLog(proc.child) };
    replicas.push(replica);
    return replica;
  };
  let haproxy = null;
  let url;
  const channels = [];
  try {
    if (config.all) {
      const replica = await start('all', 'all1');
      url = `http://127.0.0.1:${replica.proc.port}`;
    } else {
      await Promise.all([
        ...Array.from({ length: config.apis }, (_, i) => start('api', `api${i + 1}`)),
        ...Array.from({ length: config.workers }, (_, i) => start('worker', `worker${i + 1}`)),
      ]);
      const apis = replicas.filter((r) => r.role === 'api').sort((a, b) => a.name.localeCompare(b.name));
      haproxy = await startHaproxy(apis.map((r) => ({ name: r.name, port: r.proc.port })));
      url = haproxy.url;
    }
    for (let i = 0; i < CHANNELS; i += 1) {
      const { token, channel } = await provisionChannel(url, ADMIN_TOKEN, clientUrl);
      channels.push({ id: channel.id, path: `/${token}/bot_api_webhook` });
    }
  } catch (error) {
    // Nothing this configuration started outlives its failure (a replica that failed to start has exited already).
    await haproxy?.stop();
    await Promise.all(replicas.map((r) => stopChild(r.proc.child)));
    throw error;
  }
  return {
    url,
    haproxy,
    replicas,
    channels,
    byName: (name) => replicas.find((r) => r.name === name),
    async stop() {
      await haproxy?.stop();
      await Promise.all(replicas.map((r) => stopChild(r.proc.child)));
    },
  };
}

// ------------------------------------------------------------------------------------------------------------- CPU

/** The database's transaction and row counters (pg_stat_database; flushed by each backend at most once a second). */
async function databaseCounters() {
  const { rows } = await sql.query(
    `SELECT xact_commit::bigint AS commits, xact_rollback::bigint AS rollbacks, tup_inserted::bigint AS inserted,
            tup_updated::bigint AS updated, tup_deleted::bigint AS deleted, tup_returned::bigint AS returned,
            tup_fetched::bigint AS fetched, blks_hit::bigint AS "blocksHit"
     FROM pg_stat_database WHERE datname = current_database()`,
  );
  return Object.fromEntries(Object.entries(rows[0]).map(([name, value]) => [name, Number(value)]));
}

/** Before a measurement: pg_stat_statements reset (with --statements), the database's counters read. */
async function startCounters() {
  if (STATEMENTS) await sql.query('SELECT pg_stat_statements_reset()');
  return databaseCounters();
}

/** After it: the counters per message delivered, and with --statements the costliest statements per message. */
async function countersSince(before, delivered) {
  await sleep(1100); // the backends' counters reach pg_stat_database within a second
  const after = await databaseCounters();
  const database = Object.fromEntries(
    Object.entries(after).map(([name, value]) => [name, +((value - before[name]) / delivered).toFixed(2)]),
  );
  if (!STATEMENTS) return { database, statements: null };
  const { rows } = await sql.query(
    `SELECT calls::int, total_exec_time AS ms, rows::bigint AS rows,
            left(regexp_replace(query, '\\s+', ' ', 'g'), 100) AS query
     FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat%' AND calls > 10
     ORDER BY total_exec_time DESC LIMIT 12`,
  );
  const statements = rows.map((row) => ({
    perMessage: +(row.calls / delivered).toFixed(3),
    rowsPerCall: +(Number(row.rows) / row.calls).toFixed(1),
    msPerMessage: +(row.ms / delivered).toFixed(4),
    meanMs: +(row.ms / row.calls).toFixed(3),
    query: row.query,
  }));
  return { database, statements };
}

function cpuNow(topology) {
  const usage = process.cpuUsage();
  return {
    replicas: Object.fromEntries(topology.replicas.map((r) => [r.name, processCpuSeconds(r.pid)])),
    postgres: db.port ? clusterCpuSeconds(db.port) : null,
    haproxy: topology.haproxy ? processCpuSeconds(topology.haproxy.child.pid) : 0,
    bench: (usage.user + usage.system) / 1e6,
    machine: machineCpuSeconds(),
  };
}

function cpuBetween(before, after, topology) {
  const replicas = Object.fromEntries(
    topology.replicas.map((r) => [r.name, (after.replicas[r.name] ?? NaN) - (before.replicas[r.name] ?? NaN)]),
  );
  const service = Object.values(replicas).reduce((sum, v) => sum + v, 0);
  const postgres = after.postgres === null || before.postgres === null ? null : after.postgres - before.postgres;
  const haproxy = after.haproxy - before.haproxy;
  const bench = after.bench - before.bench;
  const busy = after.machine && before.machine ? after.machine.busy - before.machine.busy : null;
  const total = after.machine && before.machine ? after.machine.total - before.machine.total : null;
  const ours = service + (postgres ?? 0) + haproxy + bench;
  return {
    replicas,
    api: sumOf(replicas, 'api'),
    worker: sumOf(replicas, 'worker'),
    service,
    postgres,
    haproxy,
    bench,
    machineBusy: busy,
    machineTotal: total,
    // Busy CPU of the machine not accounted to this benchmark's processes: other work on the shared machine.
    other: busy === null ? null : busy - ours,
  };
}

const sumOf = (replicas, role) =>
  Object.entries(replicas)
    .filter(([name]) => name.startsWith(role))
    .reduce((sum, [, v]) => sum + v, 0);

// ------------------------------------------------------------------------------------------------------ throughput

const event = (id, chat, text) =>
  JSON.stringify({
    event: 'new_message',
    chat_id: chat,
    visitor: { id: `v-${chat}` },
    message: { id, kind: 'visitor', text },
  });

/** `amount` events posted by 32 connections as fast as they are taken; event n (from 1) has the text `<label>-<n>`. */
function burst(topology, label, amount) {
  let posted = 0;
  const statuses = {};
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: topology.url,
        method: 'POST',
        connections: 32,
        amount,
        headers: { 'content-type': 'application/json' },
        requests: [
          {
            setupRequest: (request) => {
              posted += 1;
              const chat = posted % CHATS;
              const text = `${label}-${posted}`;
              return {
                ...request,
                path: topology.channels[chat % topology.channels.length].path,
                body: event(text, chat, text),
              };
            },
          },
        ],
      },
      (error, result) =>
        error
          ? reject(error)
          : resolve({ posted, statuses, errors: result.errors, timeouts: result.timeouts, non2xx: result.non2xx }),
    );
    instance.on('response', (_client, status) => void (statuses[status] = (statuses[status] ?? 0) + 1));
  });
}

async function throughput(topology, label, amount, { counters = false } = {}) {
  const log = (current = tracker());
  const countersBefore = counters ? await startCounters() : null;
  const before = cpuNow(topology);
  const started = performance.now();
  const posting = await burst(topology, label, amount);
  const postingSeconds = (performance.now() - started) / 1000;
  const texts = Array.from({ length: posting.posted }, (_, n) => `${label}-${n + 1}`);
  const complete = await log.waitFor(texts, 120_000);
  const last = Math.max(...texts.map((text) => log.texts.get(text)?.first ?? 0));
  const cpu = cpuBetween(before, cpuNow(topology), topology);
  const delivered = texts.filter((text) => log.texts.has(text)).length;
  const seconds = (last - started) / 1000;
  const { database, statements } = counters ? await countersSince(countersBefore, delivered) : {};
  return {
    database: database ?? null,
    statements: statements ?? null,
    posted: posting.posted,
    accepted: posting.statuses[200] ?? 0,
    statuses: posting.statuses,
    errors: posting.errors,
    postingSeconds,
    delivered,
    lost: complete ? 0 : texts.length - delivered,
    duplicateKeys: log.duplicateKeys().length,
    seconds,
    rate: delivered / seconds,
    cpu,
    perCpuSecond: {
      service: delivered / cpu.service,
      api: cpu.api > 0 ? delivered / cpu.api : null,
      worker: cpu.worker > 0 ? delivered / cpu.worker : null,
      postgres: cpu.postgres ? delivered / cpu.postgres : null,
      haproxy: cpu.haproxy > 0 ? delivered / cpu.haproxy : null,
    },
    // Of the machine's cores over the measurement (2 cores × seconds): the share busy, and this benchmark's share.
    machineBusyShare: cpu.machineTotal ? cpu.machineBusy / cpu.machineTotal : null,
  };
}

async function measureConfiguration(config, run) {
  const topology = await startTopology(config);
  try {
    await throughput(topology, `${config.name}${run}-warm`, WARM);
    await vacuumAnalyze(sql);
    await sleep(500);
    const result = await throughput(topology, `${config.name}${run}`, AMOUNT, { counters: true });
    await sleep(500);
    result.steady = await steady(topology, `${config.name}${run}-steady`);
    result.warnings = Object.fromEntries(topology.replicas.map((r) => [r.name, r.log.counts]));
    if (topology.haproxy)
      result.haproxy = (await topology.haproxy.stats())
        .filter((row) => row.pxname === 'webhook')
        .map((row) => ({ name: row.svname, ...statSummary(row) }));
    return result;
  } finally {
    await topology.stop();
  }
}

const cpuLine = (c) =>
  `CPU s: service ${c.service.toFixed(2)} (${Object.entries(c.replicas)
    .map(([name, v]) => `${name} ${v.toFixed(2)}`)
    .join(
      ', ',
    )}), PostgreSQL ${c.postgres?.toFixed(2) ?? '?'}, HAProxy ${c.haproxy.toFixed(2)}, load generator and stub ${c.bench.toFixed(2)}; machine busy ${c.machineBusy?.toFixed(2)} of ${c.machineTotal?.toFixed(2)} (other ${c.other?.toFixed(2)})`;

// ------------------------------------------------------------------------------------------------------ kill phase

/**
 * `rate` events a second for `seconds` over `CHATS` chats from `started`, each posted on time whatever the answers (no
 * retry by the poster: an unanswered post is counted, not sent again); the k-th event of chat c has the text
 * `text(c, k)`. Resolves when every post was answered (or failed); `posts` fills as they go.
 */
async function postSteady(topology, label, { rate, seconds, started, posts, text: textOf }) {
  const perChat = new Map();
  const total = Math.round(rate * seconds);
  for (let n = 1; n <= total; n += 1) {
    const wait = started + ((n - 1) * 1000) / rate - performance.now();
    if (wait > 0) await sleep(wait);
    const chat = n % CHATS;
    const k = (perChat.get(chat) ?? 0) + 1;
    perChat.set(chat, k);
    const text = textOf(chat, k);
    const post = { n, chat: String(chat), k, text, sentAt: performance.now(), status: 0, duplicate: false };
    posts.push(post);
    post.done = fetch(`${topology.url}${topology.channels[chat % topology.channels.length].path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: event(`${label}-c${chat}-m${k}`, chat, text),
    }).then(
      async (res) => {
        const body = await res.text();
        post.status = res.status;
        post.duplicate = body.includes('"duplicate":true');
        post.answeredAt = performance.now();
      },
      (error) => {
        post.error = String(error?.cause?.code ?? error?.name ?? error);
        post.answeredAt = performance.now();
      },
    );
  }
  await Promise.all(posts.map((p) => p.done));
}

/**
 * CPU per message and latency at a steady `RATE` for `STEADY_SECONDS`, below the machine's ceiling: what a message
 * costs when the cores are not saturated (a saturated burst also pays for contention: smaller batches, more wake-ups).
 */
async function steady(topology, label) {
  const log = (current = tracker());
  const posts = [];
  const countersBefore = await startCounters();
  const before = cpuNow(topology);
  const started = performance.now();
  await postSteady(topology, label, {
    rate: RATE,
    seconds: STEADY_SECONDS,
    started,
    posts,
    text: (chat, k) => `${label} c${chat} m${k}`,
  });
  const texts = posts.map((p) => p.text);
  const complete = await log.waitFor(texts, 60_000);
  const cpu = cpuBetween(before, cpuNow(topology), topology);
  const latencies = posts
    .filter((p) => log.texts.has(p.text))
    .map((p) => log.texts.get(p.text).first - p.sentAt)
    .sort((a, b) => a - b);
  const delivered = latencies.length;
  const { database, statements } = await countersSince(countersBefore, delivered);
  return {
    database,
    statements,
    posted: posts.length,
    accepted: posts.filter((p) => p.status === 200).length,
    delivered,
    lost: complete ? 0 : texts.length - delivered,
    duplicateKeys: log.duplicateKeys().length,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cpu,
    cpuMsPerMessage: {
      service: (cpu.service / delivered) * 1000,
      api: (cpu.api / delivered) * 1000,
      worker: (cpu.worker / delivered) * 1000,
      postgres: cpu.postgres === null ? null : (cpu.postgres / delivered) * 1000,
      haproxy: (cpu.haproxy / delivered) * 1000,
    },
  };
}

/** The kill phase: a steady load through 2 api + 2 workers, one of each SIGKILLed on the way (see the top). */
async function killPhase(run) {
  const topology = await startTopology({ apis: 2, workers: 2 }, slowStub.url);
  const channelIds = topology.channels.map((c) => c.id);
  try {
    await throughput(topology, `kill${run}-warm`, WARM);
    await vacuumAnalyze(sql);
    const log = (current = tracker());
    const posts = [];
    const events = {};
    const started = performance.now();
    const killApi = (async () => {
      await sleep(started + KILL_API_AT * 1000 - performance.now());
      topology.byName('api1').proc.child.kill('SIGKILL');
      events.apiKilledAt = performance.now();
    })();
    const killWorker = (async () => {
      await sleep(started + KILL_WORKER_AT * 1000 - performance.now());
      const claimedBefore = await sql.query(
        `SELECT count(*) FILTER (WHERE agent_claimed_until > now())::int AS agent,
                count(*) FILTER (WHERE send_claimed_until > now())::int AS send
         FROM chats WHERE channel_id = ANY($1)`,
        [channelIds],
      );
      topology.byName('worker1').proc.child.kill('SIGKILL');
      events.workerKilledAt = performance.now();
      const killedDb = (await sql.query('SELECT now()::text AS now')).rows[0].now;
      // Every lease the killed worker took ends at most 30 s (LEASE_MS) after its claim, so by the kill + 30 s (a
      // second's margin for a claim already on its way to PostgreSQL); the surviving worker's claims from 1 s after
      // the kill end later, and the ones it held at the kill settle within milliseconds. What is still claimed 2 s
      // after the kill, ending by then, is the killed worker's.
      await sleep(2000);
      const held = await sql.query(
        `SELECT client_chat_id AS chat,
                CASE WHEN agent_claimed_until > now() AND agent_claimed_until <= $2::timestamptz + interval '31 s'
                     THEN extract(epoch FROM agent_claimed_until - $2::timestamptz)::float END AS "agentLeaseLeft",
                CASE WHEN send_claimed_until > now() AND send_claimed_until <= $2::timestamptz + interval '31 s'
                     THEN extract(epoch FROM send_claimed_until - $2::timestamptz)::float END AS "sendLeaseLeft"
         FROM chats
         WHERE channel_id = ANY($1)
           AND ((agent_claimed_until > now() AND agent_claimed_until <= $2::timestamptz + interval '31 s')
             OR (send_claimed_until > now() AND send_claimed_until <= $2::timestamptz + interval '31 s'))`,
        [channelIds, killedDb],
      );
      events.claimedAtKill = claimedBefore.rows[0];
      events.held = held.rows;
    })();
    await postSteady(topology, `kill${run}`, {
      rate: RATE,
      seconds: SECONDS,
      started,
      posts,
      text: (chat, k) => `c${chat} m${k}`,
    });
    const postingEnded = performance.now();
    await Promise.all(posts.map((p) => p.done));
    await Promise.all([killApi, killWorker]);
    const acknowledged = posts.filter((p) => p.status === 200);
    const complete = await log.waitFor(
      acknowledged.map((p) => p.text),
      90_000,
    );
    const drainedAt = performance.now();
    await sleep(1500); // a late second copy of a key would still be counted
    const haproxyRows = (await topology.haproxy.stats())
      .filter((row) => row.pxname === 'webhook')
      .map((row) => ({ name: row.svname, ...statSummary(row) }));
    // With `option dontlog-normal`, HAProxy logs only requests that were retried, redispatched or failed, and server
    // state changes; the channel token in a logged path is redacted here (HAProxy logs the raw URL).
    const redact = (line) => line.replace(/\/[^/ ]+\/bot_api_webhook/g, '/<token>/bot_api_webhook').slice(0, 300);
    const requestLines = topology.haproxy.lines.filter((l) => l.line.includes('"POST '));
    const haproxyLog = {
      requestsLogged: requestLines.length,
      requestSamples: requestLines.slice(0, 3).map((l) => redact(l.line)),
      events: topology.haproxy.lines
        .filter((l) => !l.line.includes('"POST ') && !l.line.startsWith('['))
        .map((l) => ({ at: +((l.at - started) / 1000).toFixed(3), line: redact(l.line) })),
    };
    // Loss: acknowledged posts whose echo never came.
    const lost = acknowledged.filter((p) => !log.texts.has(p.text)).map((p) => p.text);
    const unacknowledged = posts.filter((p) => p.status !== 200);
    // Duplicates: keys received more than once, by whether the worker's kill explains them: a send lane the killed
    // worker held, first received by its kill (a request it had written arrives a moment later), again once the
    // lease ended.
    const heldSend = new Map(events.held.filter((h) => h.sendLeaseLeft !== null).map((h) => [h.chat, h.sendLeaseLeft]));
    const duplicates = log.duplicateKeys().map(([key, entry]) => {
      const receipts = entry.at.map((at) => (at - events.workerKilledAt) / 1000);
      return {
        key,
        chat: entry.chat,
        text: entry.text,
        receipts: receipts.map((t) => +t.toFixed(3)),
        byKill: heldSend.has(entry.chat) && receipts[0] < 1 && receipts[1] > heldSend.get(entry.chat) - 1,
      };
    });
    // Order, as the service promises it: per chat, replies delivered in the order the visitor messages were stored
    // (messages.created_at, id: the Agent lane's order), each key's first receipt counted.
    const stored = await sql.query(
      `SELECT c.client_chat_id AS chat, m.text FROM messages m JOIN chats c ON c.id = m.chat_id
       WHERE m.channel_id = ANY($1) AND m.direction = 'inbound' ORDER BY m.created_at, m.id`,
      [channelIds],
    );
    const storedOrder = new Map();
    for (const row of stored.rows) {
      if (!storedOrder.has(row.chat)) storedOrder.set(row.chat, []);
      storedOrder.get(row.chat).push(row.text);
    }
    const deliveredOrder = (chat) => {
      const seen = new Set();
      return (log.chats.get(chat) ?? []).filter((r) => !seen.has(r.key) && seen.add(r.key)).map((r) => r.text);
    };
    const orderViolations = [];
    for (const [chat, texts] of storedOrder) {
      const delivered = deliveredOrder(chat);
      const expected = texts.filter((text) => delivered.includes(text));
      const at = expected.findIndex((text, i) => delivered[i] !== text);
      if (at >= 0)
        orderViolations.push({ chat, stored: expected.slice(at, at + 4), delivered: delivered.slice(at, at + 4) });
    }
    // Order against the posting order (m1, m2, … of a chat, posted 0.5 s apart without waiting for answers): an
    // inversion where the earlier post was still unanswered when the later one was sent is the proxy's doing (a
    // retried post stored after the next one), not the service's.
    const postOf = new Map(posts.map((p) => [p.text, p]));
    const postingInversions = [];
    for (const chat of log.chats.keys()) {
      let last = null;
      for (const text of deliveredOrder(chat)) {
        const post = postOf.get(text);
        if (!post) continue;
        if (last && post.k < last.k) {
          const earlier = post; // posted first, delivered after `last`
          postingInversions.push({
            chat,
            delivered: [last.text, earlier.text],
            earlierAnsweredAfterLaterSent: earlier.answeredAt > last.sentAt,
            earlierAnswerMs: +(earlier.answeredAt - earlier.sentAt).toFixed(0),
            earlierSentAt: +((earlier.sentAt - started) / 1000).toFixed(3),
          });
        }
        if (!last || post.k > last.k) last = post;
      }
    }
    // Recovery: per chat, the first delivery of a message posted after the worker's kill, from the kill.
    const moveOn = (chat) => {
      const after = posts.filter((p) => p.chat === chat && p.sentAt > events.workerKilledAt);
      const times = after.map((p) => log.texts.get(p.text)?.first).filter((t) => t !== undefined);
      return times.length === 0 ? null : (Math.min(...times) - events.workerKilledAt) / 1000;
    };
    const heldChats = new Set(events.held.map((h) => h.chat));
    const heldRecovery = events.held.map((h) => ({ ...h, movedOnAfter: moveOn(h.chat) }));
    const otherRecovery = [...new Set(posts.map((p) => p.chat))]
      .filter((chat) => !heldChats.has(chat))
      .map(moveOn)
      .filter((t) => t !== null)
      .sort((a, b) => a - b);
    const around = (p) => p.sentAt >= events.apiKilledAt - 1000 && p.sentAt <= events.apiKilledAt + 3000;
    const statusCounts = (list) =>
      list.reduce((acc, p) => ((acc[p.error ?? p.status] = (acc[p.error ?? p.status] ?? 0) + 1), acc), {});
    const answers = posts.map((p) => p.answeredAt - p.sentAt).sort((a, b) => a - b);
    const maxOf = (list) => (list.length === 0 ? null : Math.max(...list));
    return {
      posted: posts.length,
      postingSeconds: (postingEnded - started) / 1000,
      acknowledged: acknowledged.length,
      acknowledgedDuplicate: acknowledged.filter((p) => p.duplicate).length,
      notAcknowledged: unacknowledged.length,
      notAcknowledgedByAnswer: statusCounts(unacknowledged),
      notAcknowledgedDelivered: unacknowledged.filter((p) => log.texts.has(p.text)).length,
      answersAroundApiKill: statusCounts(posts.filter(around)),
      webhookP50: percentile(answers, 50),
      webhookP99: percentile(answers, 99),
      webhookMax: answers.at(-1),
      slowestAroundApiKill: maxOf(posts.filter(around).map((p) => p.answeredAt - p.sentAt)),
      complete,
      lost: lost.length,
      lostTexts: lost.slice(0, 20),
      receipts: log.receipts,
      duplicateKeys: duplicates.length,
      duplicateKeysByKill: duplicates.filter((d) => d.byKill).length,
      duplicates: duplicates.slice(0, 20),
      textsUnderSeveralKeys: log.textsUnderSeveralKeys().length,
      orderViolations: orderViolations.length,
      orderViolationSamples: orderViolations.slice(0, 20),
      postingInversions: postingInversions.length,
      postingInversionsOverlapping: postingInversions.filter((i) => i.earlierAnsweredAfterLaterSent).length,
      postingInversionSamples: postingInversions.slice(0, 20),
      apiKilledAt: (events.apiKilledAt - started) / 1000,
      workerKilledAt: (events.workerKilledAt - started) / 1000,
      claimedAtKill: events.claimedAtKill,
      heldChats: events.held.length,
      heldAgentLanes: events.held.filter((h) => h.agentLeaseLeft !== null).length,
      heldSendLanes: events.held.filter((h) => h.sendLeaseLeft !== null).length,
      leaseLeftMax: maxOf(events.held.flatMap((h) => [h.agentLeaseLeft, h.sendLeaseLeft]).filter((v) => v !== null)),
      leaseLeftMin: (() => {
        const left = events.held.flatMap((h) => [h.agentLeaseLeft, h.sendLeaseLeft]).filter((v) => v !== null);
        return left.length === 0 ? null : Math.min(...left);
      })(),
      heldMovedOnMax: maxOf(heldRecovery.map((h) => h.movedOnAfter).filter((t) => t !== null)),
      heldMovedOnMin: (() => {
        const t = heldRecovery.map((h) => h.movedOnAfter).filter((v) => v !== null);
        return t.length === 0 ? null : Math.min(...t);
      })(),
      heldNeverMovedOn: heldRecovery.filter((h) => h.movedOnAfter === null).length,
      held: heldRecovery,
      otherChatsMovedOnP50: otherRecovery.length ? percentile(otherRecovery, 50) : null,
      otherChatsMovedOnMax: otherRecovery.at(-1) ?? null,
      drainedAfterKill: (drainedAt - events.workerKilledAt) / 1000,
      haproxy: haproxyRows,
      haproxyLog,
      warnings: Object.fromEntries(topology.replicas.map((r) => [r.name, r.log.counts])),
      warningSamples: Object.fromEntries(topology.replicas.map((r) => [r.name, r.log.samples])),
    };
  } finally {
    await topology.stop();
  }
}

// ------------------------------------------------------------------------------------------------------------- run

const db = await benchDatabase(STATEMENTS ? { settings: { shared_preload_libraries: 'pg_stat_statements' } } : {});
db.port = db.embedded ? Number(new URL(db.url).port) : null;
const sql = new pg.Client({ connectionString: db.url });
await sql.connect();
if (STATEMENTS) await sql.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
const report = {
  name: 'scale',
  date: new Date().toISOString(),
  machine: machine(),
  postgres: `${db.version}${db.embedded ? ' (embedded)' : ''}`,
  haproxy: '',
  settings: {
    clientDelayMs: CLIENT_DELAY,
    killApiAt: KILL_API_AT,
    killWorkerAt: KILL_WORKER_AT,
    steadySeconds: STEADY_SECONDS,
    runs: RUNS,
    amount: AMOUNT,
    warm: WARM,
    chats: CHATS,
    channels: CHANNELS,
    rate: RATE,
    seconds: SECONDS,
  },
  throughput: Object.fromEntries(CONFIGURATIONS.map((c) => [c.name, []])),
  kill: [],
};
try {
  report.haproxy = await new Promise((resolve) => {
    const child = spawn(HAPROXY, ['-v'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('exit', () => resolve(out.split('\n')[0]));
  });
  process.stdout.write(`${report.machine}; PostgreSQL ${report.postgres}; ${report.haproxy}\n`);
  for (let run = 1; run <= RUNS; run += 1) {
    // Each run starts with the next configuration, so none is always measured first (or last) in a run.
    const order = CONFIGURATIONS.map((_, i) => CONFIGURATIONS[(i + run - 1) % CONFIGURATIONS.length]);
    if (ONLY !== 'kill')
      for (const config of order) {
        const t = await measureConfiguration(config, run);
        report.throughput[config.name].push(t);
        process.stdout.write(
          `run ${run} ${config.label}: ${t.rate.toFixed(0)} msg/s (${t.delivered}/${t.posted} delivered in ${t.seconds.toFixed(1)} s, lost ${t.lost}, keys twice ${t.duplicateKeys}, answers ${JSON.stringify(t.statuses)}); ` +
            `${(t.perCpuSecond.service ?? 0).toFixed(0)} msg per service CPU-s, ${(t.perCpuSecond.postgres ?? 0).toFixed(0)} per PostgreSQL CPU-s; ${cpuLine(t.cpu)}; per message: ${JSON.stringify(t.database)}\n` +
            (t.statements ?? [])
              .map(
                (s) => `    ${s.perMessage} calls/msg, ${s.rowsPerCall} rows/call, ${s.meanMs} ms/call: ${s.query}\n`,
              )
              .join('') +
            `    at a steady ${RATE}/s: p50 ${t.steady.p50.toFixed(0)} ms, p99 ${t.steady.p99.toFixed(0)} ms (${t.steady.delivered}/${t.steady.posted} delivered, lost ${t.steady.lost}); CPU ms per message: service ${t.steady.cpuMsPerMessage.service.toFixed(3)} (api ${t.steady.cpuMsPerMessage.api.toFixed(3)}, worker ${t.steady.cpuMsPerMessage.worker.toFixed(3)}), PostgreSQL ${t.steady.cpuMsPerMessage.postgres?.toFixed(3)}, HAProxy ${t.steady.cpuMsPerMessage.haproxy.toFixed(3)}; ${cpuLine(t.steady.cpu)}; per message: ${JSON.stringify(t.steady.database)}\n` +
            (t.steady.statements ?? [])
              .map(
                (s) => `      ${s.perMessage} calls/msg, ${s.rowsPerCall} rows/call, ${s.meanMs} ms/call: ${s.query}\n`,
              )
              .join(''),
        );
      }
    if (ONLY !== 'throughput') {
      const k = await killPhase(run);
      report.kill.push(k);
      process.stdout.write(
        `run ${run} kill: ${k.acknowledged}/${k.posted} acknowledged (${k.acknowledgedDuplicate} as duplicates; not: ${JSON.stringify(k.notAcknowledgedByAnswer)}), lost ${k.lost}, keys twice ${k.duplicateKeys} (${k.duplicateKeysByKill} explained by the kill), texts under several keys ${k.textsUnderSeveralKeys}, out of stored order ${k.orderViolations}, out of posting order ${k.postingInversions} (${k.postingInversionsOverlapping} with the earlier post unanswered when the later was sent); ` +
          `around the API kill ${JSON.stringify(k.answersAroundApiKill)} (slowest ${k.slowestAroundApiKill?.toFixed(0)} ms); ` +
          `worker held ${k.heldChats} chats (${k.heldAgentLanes} Agent, ${k.heldSendLanes} send lanes; leases left ${k.leaseLeftMin?.toFixed(1)}–${k.leaseLeftMax?.toFixed(1)} s), moved on ${k.heldMovedOnMin?.toFixed(1)}–${k.heldMovedOnMax?.toFixed(1)} s after the kill (never: ${k.heldNeverMovedOn}); other chats ${k.otherChatsMovedOnMax?.toFixed(2)} s at most\n`,
      );
    }
  }

  const med = (list, pick) => (list.length === 0 ? null : median(list.map(pick)));
  const t = report.throughput;
  const summarise = (list) =>
    list.length === 0
      ? null
      : {
          rate: med(list, (r) => r.rate),
          perServiceCpuSecond: med(list, (r) => r.perCpuSecond.service),
          perApiCpuSecond: list[0].perCpuSecond.api === null ? null : med(list, (r) => r.perCpuSecond.api),
          perWorkerCpuSecond: list[0].perCpuSecond.worker === null ? null : med(list, (r) => r.perCpuSecond.worker),
          perPostgresCpuSecond: med(list, (r) => r.perCpuSecond.postgres ?? NaN),
          perHaproxyCpuSecond: list[0].perCpuSecond.haproxy === null ? null : med(list, (r) => r.perCpuSecond.haproxy),
          machineBusyShare: med(list, (r) => r.machineBusyShare ?? NaN),
          otherCpuSeconds: med(list, (r) => r.cpu.other ?? NaN),
          seconds: med(list, (r) => r.seconds),
          runs: list.map((r) => Math.round(r.rate)),
          steady: {
            p50: med(list, (r) => r.steady.p50),
            p99: med(list, (r) => r.steady.p99),
            serviceCpuMs: med(list, (r) => r.steady.cpuMsPerMessage.service),
            apiCpuMs: med(list, (r) => r.steady.cpuMsPerMessage.api),
            workerCpuMs: med(list, (r) => r.steady.cpuMsPerMessage.worker),
            postgresCpuMs: med(list, (r) => r.steady.cpuMsPerMessage.postgres ?? NaN),
            haproxyCpuMs: med(list, (r) => r.steady.cpuMsPerMessage.haproxy),
            machineBusyShare: med(list, (r) =>
              r.steady.cpu.machineTotal ? r.steady.cpu.machineBusy / r.steady.cpu.machineTotal : NaN,
            ),
          },
        };
  const ratio = (a, b) => (a.length === 0 || b.length === 0 ? null : median(a.map((r, i) => r.rate / b[i].rate)));
  report.median = {
    all: summarise(t.all),
    w1: summarise(t.w1),
    w2: summarise(t.w2),
    w2OverW1: ratio(t.w2, t.w1),
    w1OverAll: ratio(t.w1, t.all),
    w2OverAll: ratio(t.w2, t.all),
    kill:
      report.kill.length === 0
        ? null
        : {
            // Over the runs whose kill found chats held (every run, with a client that takes `client-delay` ms).
            heldMovedOnMax: med(
              report.kill.filter((k) => k.heldMovedOnMax !== null),
              (k) => k.heldMovedOnMax,
            ),
            leaseLeftMax: med(
              report.kill.filter((k) => k.leaseLeftMax !== null),
              (k) => k.leaseLeftMax,
            ),
            otherChatsMovedOnMax: med(report.kill, (k) => k.otherChatsMovedOnMax ?? NaN),
            runs: report.kill.map((k) => k.heldMovedOnMax),
          },
  };
  report.lost =
    Object.values(t)
      .flat()
      .reduce((sum, r) => sum + r.lost + r.steady.lost, 0) + report.kill.reduce((sum, k) => sum + k.lost, 0);
  report.duplicateKeysThroughput = Object.values(t)
    .flat()
    .reduce((sum, r) => sum + r.duplicateKeys + r.steady.duplicateKeys, 0);
  report.kills = report.kill.map((k) => ({
    lost: k.lost,
    notAcknowledged: k.notAcknowledged,
    duplicateKeys: k.duplicateKeys,
    duplicateKeysByKill: k.duplicateKeysByKill,
    orderViolations: k.orderViolations,
    postingInversions: k.postingInversions,
    heldChats: k.heldChats,
    heldMovedOnMax: k.heldMovedOnMax,
  }));
  const path = writeResult('scale', report);
  const m = report.median;
  const row = (name, s) =>
    s &&
    `| ${name} | ${s.rate.toFixed(0)} (${s.runs.join(' / ')}) | ${s.perServiceCpuSecond.toFixed(0)} | ${s.perPostgresCpuSecond.toFixed(0)} | ${s.perHaproxyCpuSecond?.toFixed(0) ?? ''} | ${(s.machineBusyShare * 100).toFixed(0)} % |`;
  process.stdout.write(
    [
      '',
      `| configuration | delivered msg/s (runs) | msg per service CPU-s | msg per PostgreSQL CPU-s | msg per HAProxy CPU-s | machine busy |`,
      `| --- | --- | --- | --- | --- | --- |`,
      row(CONFIGURATIONS[0].label, m.all),
      row(CONFIGURATIONS[1].label, m.w1),
      row(CONFIGURATIONS[2].label, m.w2),
      '',
      `| at a steady ${RATE}/s | p50 | p99 | service CPU ms/msg (api + worker) | PostgreSQL CPU ms/msg | HAProxy CPU ms/msg | machine busy |`,
      `| --- | --- | --- | --- | --- | --- | --- |`,
      ...CONFIGURATIONS.map((c) => {
        const st = m[c.name]?.steady;
        return (
          st &&
          `| ${c.label} | ${st.p50.toFixed(0)} ms | ${st.p99.toFixed(0)} ms | ${st.serviceCpuMs.toFixed(3)} (${st.apiCpuMs.toFixed(3)} + ${st.workerCpuMs.toFixed(3)}) | ${st.postgresCpuMs.toFixed(3)} | ${st.haproxyCpuMs.toFixed(3)} | ${(st.machineBusyShare * 100).toFixed(0)} % |`
        );
      }),
      '',
      `ratios (medians of per-run ratios): 2 workers / 1 worker ${m.w2OverW1?.toFixed(2)}; 1 worker / ROLE=all ${m.w1OverAll?.toFixed(2)}; 2 workers / ROLE=all ${m.w2OverAll?.toFixed(2)}`,
      m.kill &&
        `kill: the killed worker's chats moved on ${m.kill.heldMovedOnMax?.toFixed(1)} s after the kill (median of runs ${m.kill.runs.map((v) => v?.toFixed(1)).join(' / ')}); lost ${report.lost}`,
      `wrote ${path}`,
      '',
    ]
      .filter((line) => line !== null && line !== undefined)
      .join('\n'),
  );
  process.stdout.write(
    `RESULT ${JSON.stringify({ name: 'scale', file: path, median: { ...m, all: m.all?.rate, w1: m.w1?.rate, w2: m.w2?.rate }, lost: report.lost, kills: report.kills })}\n`,
  );
} catch (error) {
  reportFailure('scale', error, { report });
} finally {
  await sql.end().catch(() => undefined);
  await stub.close();
  await slowStub.close();
  await db.drop();
}
