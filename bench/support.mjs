import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const dist = (path) => new URL(`../dist/${path}`, import.meta.url).href;

/** A fresh, migrated database on BENCH_DATABASE_URL's server, or on an embedded PostgreSQL started for the run. */
export async function benchDatabase() {
  const { startEmbeddedPostgres, runMigrations } = await import(dist('libs/database/src/index.js'));
  const { SCHEMA } = await import(dist('apps/channel-service/src/schema.js'));
  let embedded = null;
  let dataDir = null;
  let adminUrl = process.env.BENCH_DATABASE_URL;
  if (!adminUrl) {
    dataDir = mkdtempSync(join(tmpdir(), 'channel-service-bench-'));
    chmodSync(dataDir, 0o755);
    embedded = await startEmbeddedPostgres(dataDir, { info: () => undefined, warn: (m) => process.stderr.write(`${m}\n`) });
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
  const child = spawn(process.execPath, [...nodeArgs, script], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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

/** A client server stub on loopback answering 200 to everything (set_webhook, send_message). */
export async function stubClientServer(onRequest = () => undefined) {
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      onRequest(req, Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** Operator → tenant → trained agent → active channel; returns the channel's webhook token. */
export async function provisionChannel(baseUrl, adminToken, webhookUrl) {
  const call = async (method, path, token, body) => {
    const res = await fetch(`${baseUrl}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${await res.text()}`);
    return res.json();
  };
  const tenant = await call('POST', '/api/v1/tenants', adminToken, { name: 'Bench' });
  await call('PUT', '/api/v1/agents/bench-agent', tenant.apiKey, { trained: true });
  const channel = await call('POST', '/api/v1/agents/bench-agent/channels', tenant.apiKey, { type: 'omnichannel', webhookUrl, active: true });
  return { token: channel.platformWebhookUrl.split('/').at(-2), tenant, channel };
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export const ADMIN_TOKEN = 'bench-operator-token-0123456789';
export const SECRETS_KEY = Buffer.alloc(32, 9).toString('base64');
