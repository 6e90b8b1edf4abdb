import { spawn } from 'node:child_process';
import autocannon from 'autocannon';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const dist = (path) => new URL(`../dist/${path}`, import.meta.url).href;

/**
 * A fresh, migrated database on BENCH_DATABASE_URL's server, or on an embedded PostgreSQL started for the run (with
 * `settings`, server settings such as shared_preload_libraries, when given).
 */
export async function benchDatabase({ settings } = {}) {
  const { startEmbeddedPostgres, runMigrations } = await import(dist('libs/database/src/index.js'));
  const { SCHEMA } = await import(dist('apps/channel-service/src/schema.js'));
  let embedded = null;
  let dataDir = null;
  let adminUrl = process.env.BENCH_DATABASE_URL;
  if (!adminUrl) {
    dataDir = mkdtempSync(join(tmpdir(), 'channel-service-bench-'));
    chmodSync(dataDir, 0o755);
    embedded = await startEmbeddedPostgres(
      dataDir,
      { info: () => undefined, warn: (m) => process.stderr.write(`${m}\n`) },
      { settings },
    );
    adminUrl = embedded.adminUrl;
  }
  const name = `bench_${Date.now()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const version = (await admin.query('SHOW server_version')).rows[0].server_version;
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  await runMigrations(url.toString(), SCHEMA);
  return {
    url: url.toString(),
    version,
    embedded: embedded !== null,
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
      await embedded?.stop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Starts a node script and resolves with its port once it printed `pattern` (first group: the port). */
export function startProcess(script, env, pattern, nodeArgs = []) {
  const child = spawn(process.execPath, [...nodeArgs, script], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk) => {
      output += chunk.toString();
      const match = output.match(pattern);
      if (match) resolve({ child, port: Number(match[1]), stop: () => stopProcess(child) });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`${script} exited (${code}) before it was ready:\n${output}`)));
  });
}

function stopProcess(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
}

/**
 * A client server stub on loopback answering 200 to everything (set_webhook, send_message); `status` and `delayMs`
 * make it a failing or a slow client server. `onRequest` sees each request as it arrives.
 */
export async function stubClientServer(onRequest = () => undefined, { status = 200, delayMs = 0 } = {}) {
  const answer = (res) => {
    if (res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(status === 200 ? '{}' : '{"error":"unavailable"}');
  };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      onRequest(req, Buffer.concat(chunks).toString('utf8'));
      if (delayMs > 0) setTimeout(answer, delayMs, res);
      else answer(res);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  };
  return { url: `http://127.0.0.1:${server.address().port}`, close };
}

/** Operator → tenant → trained agent → active channel; returns the channel's webhook token. */
export async function provisionChannel(baseUrl, adminToken, webhookUrl) {
  const call = async (method, path, token, body) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body && JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${await res.text()}`);
    return res.json();
  };
  const tenant = await call('POST', '/api/v1/tenants', adminToken, { name: 'Bench' });
  await call('PUT', '/api/v1/agents/bench-agent', tenant.apiKey, { trained: true });
  const channel = await call('POST', '/api/v1/agents/bench-agent/channels', tenant.apiKey, {
    type: 'omnichannel',
    webhookUrl,
    active: true,
  });
  return { token: channel.platformWebhookUrl.split('/').at(-2), tenant, channel };
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The p-th percentile (nearest rank) of ascending `sorted`. */
export function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function machine() {
  return `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}

/** Writes bench/results/<name>.json (gitignored, like the other benchmarks' results) and returns its path. */
export function writeResult(name, report) {
  mkdirSync('bench/results', { recursive: true });
  const path = `bench/results/${name}.json`;
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
  return path;
}

/**
 * A benchmark that failed still leaves its result file (what went wrong, plus `report`'s fields), its stack on stderr
 * and one RESULT line (plus `summary`'s fields), and exits non-zero, so `npm run bench` can say which one broke.
 */
export function reportFailure(name, error, { report = {}, summary = {} } = {}) {
  process.exitCode = 1;
  const message = String(error?.message ?? error);
  writeResult(name, { name, date: new Date().toISOString(), error: message, ...report });
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.stdout.write(`RESULT ${JSON.stringify({ name, error: message, ...summary })}\n`);
}

/** Tallies the service's pino lines at warn and above (by level and message), keeping the first few of each. */
export function watchServiceLog(child) {
  const counts = {};
  const samples = {};
  let rest = '';
  const onData = (chunk) => {
    const lines = (rest + chunk.toString()).split('\n');
    rest = lines.pop();
    for (const line of lines) {
      let entry;
      try {
        entry = JSON.parse(line);
      } catch {
        continue;
      }
      if (typeof entry.level !== 'number' || entry.level < 40) continue;
      const key = `${entry.level >= 50 ? 'error' : 'warn'}: ${entry.msg ?? ''}`;
      counts[key] = (counts[key] ?? 0) + 1;
      samples[key] ??= [];
      if (samples[key].length < 3) samples[key].push(line.length > 2000 ? `${line.slice(0, 2000)}…` : line);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  return { counts, samples };
}

/** The command line's `--name value` pairs (`npm run bench:x -- --runs 3 --seconds 10`), as strings by name. */
export function benchArgs(argv = process.argv.slice(2)) {
  return Object.fromEntries(
    argv
      .join(' ')
      .split('--')
      .filter(Boolean)
      .map((part) => part.trim().split(/\s+/)),
  );
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A `new_message` visitor event in chat `chat`; the message's id is also its text, so its echo names it. */
export function visitorEvent(id, chat) {
  return JSON.stringify({
    event: 'new_message',
    chat_id: chat,
    visitor: { id: `v-${chat}` },
    message: { id, kind: 'visitor', text: id },
  });
}

/**
 * What a client stub received from the echo agent: each message id (`Echo: <id>`) with the time its first
 * send_message arrived, and how many arrived again. `onRequest` goes to stubClientServer.
 */
export function deliveryLog() {
  const delivered = new Map();
  const log = {
    delivered,
    duplicates: 0,
    onRequest(req, body) {
      if (!req.url.endsWith('/send_message')) return;
      const text = JSON.parse(body).message.text.replace(/^Echo: /, '');
      if (delivered.has(text)) log.duplicates += 1;
      else delivered.set(text, performance.now());
    },
    /** Resolves true once every id was delivered, false when `timeoutMs` ran out first. */
    async waitFor(ids, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (ids.every((id) => delivered.has(id))) return true;
        await sleep(20);
      }
      return false;
    },
  };
  return log;
}

/**
 * `amount` visitor events (or as many as go in `duration` seconds) posted by `connections` connections as fast as the
 * service takes them; event n (from 1) has the id `<label>-<n>` and goes to chat `chatOf(n)`. Answers are counted by
 * status (`statuses`; `accepted` is the 200s).
 */
export function postBurst(url, { label, amount, duration, chatOf, connections = 32 }) {
  let posted = 0;
  const statuses = {};
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        method: 'POST',
        connections,
        ...(duration === undefined ? { amount } : { duration }),
        headers: { 'content-type': 'application/json' },
        requests: [
          {
            setupRequest: (request) => {
              posted += 1;
              return { ...request, body: visitorEvent(`${label}-${posted}`, chatOf(posted)) };
            },
          },
        ],
      },
      (error, result) =>
        error
          ? reject(error)
          : resolve({
              posted,
              accepted: statuses[200] ?? 0,
              statuses,
              non2xx: result.non2xx,
              errors: result.errors,
              timeouts: result.timeouts,
            }),
    );
    instance.on('response', (_client, status) => void (statuses[status] = (statuses[status] ?? 0) + 1));
  });
}

/**
 * `rate` visitor events a second for `seconds` over `chats` chats (their ids `chatPrefix` + a number), each posted on
 * time whatever the answers; latency runs from a message's post to its delivery in `log` (waited for up to `timeoutMs`
 * after the last post), and the webhook's from the post to its answer.
 */
export async function steadyLatency(url, { label, rate, seconds, chats, log, timeoutMs, chatPrefix = '' }) {
  const sentAt = new Map();
  const answers = [];
  const total = Math.round(rate * seconds);
  const started = performance.now();
  const posts = [];
  for (let n = 1; n <= total; n += 1) {
    const wait = started + ((n - 1) * 1000) / rate - performance.now();
    if (wait > 0) await sleep(wait);
    const id = `${label}-${n}`;
    const sent = performance.now();
    sentAt.set(id, sent);
    posts.push(
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: visitorEvent(id, chatPrefix ? `${chatPrefix}${n % chats}` : n % chats),
      }).then(
        async (res) => {
          await res.arrayBuffer();
          answers.push(performance.now() - sent);
          return res.status;
        },
        () => 0,
      ),
    );
  }
  const statuses = await Promise.all(posts);
  answers.sort((a, b) => a - b);
  const ids = [...sentAt.keys()];
  await log.waitFor(ids, timeoutMs);
  const latencies = ids
    .filter((id) => log.delivered.has(id))
    .map((id) => log.delivered.get(id) - sentAt.get(id))
    .sort((a, b) => a - b);
  const at = (p) => (latencies.length === 0 ? null : percentile(latencies, p));
  return {
    posted: total,
    accepted: statuses.filter((status) => status === 200).length,
    refused: statuses.filter((status) => status !== 200).length,
    webhookP50: answers.length === 0 ? null : percentile(answers, 50),
    webhookP99: answers.length === 0 ? null : percentile(answers, 99),
    delivered: latencies.length,
    lost: total - latencies.length,
    p50: at(50),
    p90: at(90),
    p99: at(99),
    max: at(100),
  };
}

/**
 * The compiled service on `databaseUrl` as the benchmarks run it (`ROLE=all` and no inbound rate limit unless `env`
 * says otherwise), with BENCH_LOG_LEVEL (default warn), BENCH_NODE_ARGS and CHANNEL_MAX_IN_FLIGHT from this process's
 * environment.
 */
export function startService(databaseUrl, env = {}) {
  return startProcess(
    'dist/apps/channel-service/src/main.js',
    {
      DATABASE_URL: databaseUrl,
      NODE_ENV: 'development',
      ROLE: 'all',
      PORT: '0',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
      PLATFORM_ADMIN_TOKEN: ADMIN_TOKEN,
      SECRETS_KEY,
      ...Object.fromEntries(
        [
          'CHANNEL_MAX_IN_FLIGHT',
          'MESSAGE_RETENTION',
          'RETENTION_SWEEP_INTERVAL',
          'AGENT_DELIVERY_EVENTS',
          'OTEL_EXPORTER_OTLP_ENDPOINT',
          'OTEL_EXPORTER_OTLP_PROTOCOL',
        ]
          .filter((name) => process.env[name])
          .map((name) => [name, process.env[name]]),
      ),
      // The benchmarks drive one channel past any real client server's pace: no rate limit unless one says so.
      INBOUND_RATE_LIMIT_PER_SECOND: '100000',
      INBOUND_RATE_LIMIT_BURST: '100000',
      ...env,
    },
    /URL:\s+http:\/\/localhost:(\d+)/,
    process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : [],
  );
}

/** The bare pipeline (bench/bare-pipeline.mjs) on `databaseUrl`, sending to the client stub at `stubUrl`. */
export async function startBarePipeline(databaseUrl, stubUrl) {
  const bare = await startProcess(
    'bench/bare-pipeline.mjs',
    { BENCH_DATABASE_URL: databaseUrl, STUB_URL: stubUrl },
    /listening (\d+)/,
  );
  return { ...bare, webhookUrl: `http://127.0.0.1:${bare.port}/bare/bot_api_webhook` };
}

/** Before a measurement: no autovacuum of the last phase's writes lands inside it. */
export async function vacuumAnalyze(sql) {
  await sql.query('VACUUM ANALYZE chats');
  await sql.query('VACUUM ANALYZE messages');
}

/** A channel's messages by status, and its chats' send lane: due, waiting out a backoff, claimed. */
export async function laneStateOf(sql, channelId) {
  const messages = await sql.query(
    `SELECT status, count(*)::int AS n FROM messages WHERE channel_id = $1 GROUP BY status`,
    [channelId],
  );
  const lane = await sql.query(
    `SELECT count(*) FILTER (WHERE send_due_at <= now() AND NOT send_claimed_until > now() IS TRUE)::int AS due,
            count(*) FILTER (WHERE send_due_at > now())::int AS backoff,
            count(*) FILTER (WHERE send_claimed_until > now())::int AS claimed
     FROM chats WHERE channel_id = $1`,
    [channelId],
  );
  return { messages: Object.fromEntries(messages.rows.map((row) => [row.status, row.n])), sendLane: lane.rows[0] };
}

export const ADMIN_TOKEN = 'bench-operator-token-0123456789';
export const SECRETS_KEY = Buffer.alloc(32, 9).toString('base64');

/**
 * CPU seconds used so far (user + system, from /proc) by the given process and by every PostgreSQL process on this
 * machine (`comm` postgres: the embedded server's, or the local server's with whatever else it serves), and by this
 * benchmark process (load generator and stubs). Linux only; null elsewhere.
 */
export function cpuSeconds(servicePid) {
  const ticks = 100; // USER_HZ: 100 on Linux
  const ofPid = (pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return {
        comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
        cpu: (Number(fields[11]) + Number(fields[12])) / ticks,
      };
    } catch {
      return null;
    }
  };
  if (!existsSync('/proc/self/stat')) return null;
  let postgres = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const one = ofPid(entry);
    if (one?.comm === 'postgres') postgres += one.cpu;
  }
  const usage = process.cpuUsage();
  return { service: ofPid(servicePid)?.cpu ?? 0, postgres, bench: (usage.user + usage.system) / 1e6 };
}

/** The CPU seconds between two cpuSeconds() readings. */
export function cpuBetween(before, after) {
  if (!before || !after) return null;
  return {
    service: after.service - before.service,
    postgres: after.postgres - before.postgres,
    bench: after.bench - before.bench,
  };
}

/** One process's CPU seconds from /proc (user + system; with `children`, also its waited-for children's); null if gone. */
export function processCpuSeconds(pid, { children = false } = {}) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const own = Number(fields[11]) + Number(fields[12]);
    return (own + (children ? Number(fields[13]) + Number(fields[14]) : 0)) / 100; // USER_HZ: 100 on Linux
  } catch {
    return null;
  }
}

/**
 * CPU seconds used so far by one PostgreSQL cluster: its postmaster (found by the `-p <port>` it was started with),
 * the backends and background processes running under it, and those that already exited (connections closed,
 * autovacuum workers done: the postmaster's children's time). Unlike cpuSeconds(), no other PostgreSQL on the
 * machine is counted. Linux only; null when the postmaster is not found.
 */
export function clusterCpuSeconds(port) {
  if (!existsSync('/proc/self/stat')) return null;
  const stats = [];
  let postmaster = null;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== 'postgres') continue;
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    stats.push({ pid: Number(entry), ppid });
    if (postmaster === null) {
      try {
        const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
        const at = args.indexOf('-p');
        if (at >= 0 && args[at + 1] === String(port)) postmaster = Number(entry);
      } catch {
        // gone meanwhile
      }
    }
  }
  if (postmaster === null) return null;
  let total = processCpuSeconds(postmaster, { children: true }) ?? 0;
  for (const { pid, ppid } of stats) if (ppid === postmaster) total += processCpuSeconds(pid) ?? 0;
  return total;
}

/** The whole machine's CPU seconds so far from /proc/stat: busy (all but idle and iowait) and total, over all cores. */
export function machineCpuSeconds() {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = ticks.reduce((sum, n) => sum + n, 0);
    return { busy: (total - ticks[3] - ticks[4]) / 100, total: total / 100 };
  } catch {
    return null;
  }
}
