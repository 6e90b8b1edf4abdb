// Inbound benchmark: the service (ROLE=api) against a bare node:http + pg baseline, same Postgres, same load.
// Usage: npm run bench:inbound -- --runs 3 --seconds 10
//   BENCH_DATABASE_URL  a PostgreSQL server to use (default: an embedded PostgreSQL started for the run)
//   BENCH_LOG_LEVEL     the service's LOG_LEVEL (default warn)
//   BENCH_ONLY          service | baseline: load one target only, e.g. while profiling
//   BENCH_NODE_ARGS     extra node flags for the service, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
import autocannon from 'autocannon';
import {
  ADMIN_TOKEN,
  benchArgs,
  benchDatabase,
  machine,
  median,
  provisionChannel,
  startProcess,
  startService,
  stubClientServer,
  writeResult,
} from './support.mjs';

const args = benchArgs();
const RUNS = Number(args.runs ?? 3);
const SECONDS = Number(args.seconds ?? 10);
const CONNECTIONS = 32;

function load(url, label) {
  let counter = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        method: 'POST',
        connections: CONNECTIONS,
        duration: SECONDS,
        headers: { 'content-type': 'application/json' },
        requests: [
          {
            setupRequest: (request) => {
              counter += 1;
              const chatId = counter % 100;
              return {
                ...request,
                body: JSON.stringify({
                  event: 'new_message',
                  chat_id: chatId,
                  visitor: { id: `v-${chatId}`, fields: { name: 'Ann' } },
                  message: { id: `${label}-${counter}`, kind: 'visitor', text: `hello ${counter}` },
                }),
              };
            },
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    autocannon.track(instance, { renderProgressBar: false, renderResultsTable: false, renderLatencyTable: false });
  });
}

function summary(result) {
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    total: result.requests.total,
  };
}

const db = await benchDatabase();
const stub = await stubClientServer();
const env = { BENCH_DATABASE_URL: db.url, DATABASE_URL: db.url };
const service = await startService(db.url, { ROLE: 'api' });
const baseline = await startProcess('bench/baseline-server.mjs', env, /listening (\d+)/);
try {
  const { token } = await provisionChannel(`http://127.0.0.1:${service.port}`, ADMIN_TOKEN, stub.url);
  const targets = {
    baseline: `http://127.0.0.1:${baseline.port}/${token}/bot_api_webhook`,
    service: `http://127.0.0.1:${service.port}/${token}/bot_api_webhook`,
  };
  // BENCH_ONLY=service (or baseline) loads one target, for profiling.
  if (process.env.BENCH_ONLY)
    for (const label of Object.keys(targets)) if (label !== process.env.BENCH_ONLY) delete targets[label];
  const results = { baseline: [], service: [] };
  // One unrecorded warm-up run per target: JIT, connection pools, the channel cache.
  for (const [label, url] of Object.entries(targets)) await load(url, `warm-${label}`);
  for (let run = 1; run <= RUNS; run += 1) {
    for (const [label, url] of Object.entries(targets)) {
      const result = summary(await load(url, `${label}-${run}`));
      results[label].push(result);
      process.stdout.write(
        `run ${run} ${label.padEnd(8)} ${result.rps.toFixed(0)} req/s  p50 ${result.p50} ms  p99 ${result.p99} ms  non-2xx ${result.non2xx}  errors ${result.errors}\n`,
      );
    }
  }
  if (!process.env.BENCH_ONLY) {
    const med = (label, key) => median(results[label].map((result) => result[key]));
    const report = {
      date: new Date().toISOString(),
      machine: machine(),
      postgres: `${db.version}${db.embedded ? ' (embedded)' : ''}`,
      connections: CONNECTIONS,
      seconds: SECONDS,
      runs: RUNS,
      median: Object.fromEntries(
        ['baseline', 'service'].map((label) => [
          label,
          {
            rps: med(label, 'rps'),
            p50: med(label, 'p50'),
            p99: med(label, 'p99'),
            non2xx: Math.max(...results[label].map((r) => r.non2xx)),
          },
        ]),
      ),
      results,
    };
    report.ratio = {
      rps: report.median.service.rps / report.median.baseline.rps,
      p99: report.median.service.p99 / report.median.baseline.p99,
    };
    writeResult('inbound', report);
    process.stdout.write(
      `\nmedians: service ${report.median.service.rps.toFixed(0)} req/s (p99 ${report.median.service.p99} ms), baseline ${report.median.baseline.rps.toFixed(0)} req/s (p99 ${report.median.baseline.p99} ms)\n`,
    );
    process.stdout.write(
      `ratio: throughput ${report.ratio.rps.toFixed(2)}× (target ≥ 0.7), p99 ${report.ratio.p99.toFixed(2)}× (target ≤ 1.5)\n`,
    );
  }
} finally {
  await service.stop();
  await baseline.stop();
  await stub.close();
  await db.drop();
}
