// The OpenAPI document as a user gets it: the built service's /docs-json must pass @apidevtools/swagger-parser's
// validation, lint with no problem under Redocly CLI (redocly.yaml), and give a TypeScript client
// (swagger-typescript-api, fetch) that compiles under strict settings together with a file that calls it.
// Usage: npm run check:openapi   (builds first; CI runs it after its build, in .ci/run)
// The service runs on a scratch database: a new one on the server of TEST_DATABASE_URL or DATABASE_URL when one is set
// (dropped at the end), otherwise its own embedded PostgreSQL in a temporary DATA_DIR, as `npm start` does.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import SwaggerParser from '@apidevtools/swagger-parser';
import pg from 'pg';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAIN = join(ROOT, 'dist/apps/channel-service/src/main.js');
const REDOCLY = join(ROOT, 'node_modules/@redocly/cli/bin/cli.js');
const GENERATOR = join(ROOT, 'node_modules/swagger-typescript-api/dist/cli.mjs');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
/** A first start of the embedded PostgreSQL creates its cluster (initdb): slow on a busy machine. */
const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 30_000;

/** The project's strict settings (tsconfig.json), and more; a browser's lib, as the generated client uses fetch. */
const CLIENT_TSCONFIG = {
  compilerOptions: {
    target: 'es2022',
    lib: ['es2022', 'dom'],
    module: 'esnext',
    moduleResolution: 'bundler',
    types: [],
    strict: true,
    noImplicitOverride: true,
    noFallthroughCasesInSwitch: true,
    noImplicitReturns: true,
    noUnusedLocals: true,
    noUnusedParameters: true,
    noUncheckedIndexedAccess: true,
    isolatedModules: true,
    forceConsistentCasingInFileNames: true,
    noEmit: true,
  },
  files: ['api.ts', 'usage.ts'],
};

/**
 * Calls the generated client as an SDK user would. An operation renamed or gone, an argument or answer whose type
 * changed, or types that check nothing (the @ts-expect-error would then be unused) stops this file compiling.
 */
const USAGE = `import { Api, type ChannelDto, type CreateChannelDto, type CreatedTenantDto } from './api';

const operator = new Api<string>({
  baseUrl: 'https://channels.example.com',
  securityWorker: (token) => (token ? { headers: { Authorization: \`Bearer \${token}\` } } : {}),
});
operator.setSecurityData('the-operator-token');

export async function provision(agentId: string): Promise<string[]> {
  const tenant: CreatedTenantDto = (await operator.api.tenantsControllerCreate({ name: 'Acme' })).data;
  const client = new Api<string>({
    baseUrl: 'https://channels.example.com',
    securityWorker: (apiKey) => (apiKey ? { headers: { Authorization: \`Bearer \${apiKey}\` } } : {}),
  });
  client.setSecurityData(tenant.apiKey);
  const body: CreateChannelDto = { type: 'omnichannel', webhookUrl: 'https://client.example.com/chat', active: true };
  const created: ChannelDto = (await client.api.agentsControllerCreateChannel(agentId, body)).data;
  const listed: ChannelDto[] = (await client.api.agentsControllerListChannels(agentId)).data;
  // @ts-expect-error: webhookUrl is a string
  await client.api.agentsControllerCreateChannel(agentId, { type: 'omnichannel', webhookUrl: 42 });
  const state: 'active' | 'paused' = created.health.state;
  return [created.platformWebhookUrl, state, ...listed.map((channel) => channel.id)];
}
`;

const cleanups = [];
let service = null;

async function cleanUp() {
  while (cleanups.length > 0) {
    try {
      await cleanups.pop()();
    } catch (error) {
      process.stderr.write(`cleanup: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }
}

async function step(title, action) {
  process.stdout.write(`\n-- ${title}\n`);
  const started = Date.now();
  const detail = await action();
  process.stdout.write(`   ok${detail ? `: ${detail}` : ''} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
}

/** Runs a tool with its output shown; fails the check when it exits non-zero. */
function run(what, args, options = {}) {
  const result = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit', ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${what} failed (exit ${result.status ?? result.signal})`);
}

function withoutPassword(url) {
  const parsed = new URL(url);
  parsed.password = '';
  return parsed.toString();
}

async function adminQuery(serverUrl, sql) {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** The service's database settings: a scratch database on the given server, or its own embedded PostgreSQL. */
async function database(dir) {
  const serverUrl = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;
  if (!serverUrl) {
    const dataDir = join(dir, 'data');
    return { env: { DATA_DIR: dataDir }, label: `the service's embedded PostgreSQL (DATA_DIR ${dataDir})` };
  }
  const name = `channel_service_openapi_${randomBytes(6).toString('hex')}`;
  await adminQuery(serverUrl, `CREATE DATABASE ${name}`);
  cleanups.push(() => adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    env: { DATABASE_URL: url.toString(), MIGRATE_ON_START: 'true' },
    label: `a scratch database on ${withoutPassword(serverUrl)}`,
  };
}

/**
 * `npm start` without the build: the compiled service on a free port (PORT=0; the banner tells which). Its working
 * directory is the temporary one, so a developer's .env is not read, and only the variables below are passed.
 */
function startService(dir, env) {
  const child = spawn(process.execPath, [MAIN], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '',
      ...(process.env.HOME ? { HOME: process.env.HOME } : {}),
      ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
      NODE_ENV: 'development',
      PORT: '0',
      LOG_LEVEL: 'warn',
      PLATFORM_ADMIN_TOKEN: randomBytes(24).toString('base64url'),
      SECRETS_KEY: randomBytes(32).toString('base64'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    // SIGTERM: a graceful shutdown, which also stops the embedded PostgreSQL.
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };
  service = { stop };
  cleanups.push(stop);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the service did not start within ${START_TIMEOUT_MS / 1000} s:\n${output}`)),
      START_TIMEOUT_MS,
    );
    child.stdout.on('data', (chunk) => {
      output += chunk.toString();
      const port = /URL:\s+http:\/\/localhost:(\d+)/.exec(output)?.[1];
      if (port) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${port}`);
      }
    });
    child.stderr.on('data', (chunk) => (output += chunk.toString()));
    void exited.then((status) => {
      clearTimeout(timer);
      reject(new Error(`the service exited (${status}) before it listened:\n${output}`));
    });
  });
}

async function main() {
  if (!existsSync(MAIN)) throw new Error(`${relative(ROOT, MAIN)} is missing: run \`npm run build\` first.`);
  const dir = mkdtempSync(join(tmpdir(), 'channel-service-openapi-'));
  // Run as root, the embedded PostgreSQL runs as the postgres user, which must reach its DATA_DIR under this one.
  chmodSync(dir, 0o755);
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'openapi.json');
  const clientDir = join(dir, 'client');

  await step('the document: the built service on a scratch database, GET /docs-json', async () => {
    const { env, label } = await database(dir);
    process.stdout.write(`   database: ${label}\n`);
    const url = await startService(dir, env);
    const response = await fetch(`${url}/docs-json`);
    if (!response.ok) throw new Error(`GET ${url}/docs-json answered ${response.status}`);
    const document = await response.json();
    await service.stop();
    writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);
    const operations = Object.values(document.paths ?? {}).flatMap((item) => Object.keys(item)).length;
    return `OpenAPI ${document.openapi}, ${operations} operations, written to ${file}`;
  });

  await step('@apidevtools/swagger-parser: validate', async () => {
    await SwaggerParser.validate(file);
    return 'valid';
  });

  await step('Redocly CLI: lint (redocly.yaml: recommended ruleset, warnings as errors)', async () => {
    run('redocly lint', [REDOCLY, 'lint', file, '--config', join(ROOT, 'redocly.yaml')], {
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    });
    return '0 errors, 0 warnings';
  });

  await step('swagger-typescript-api: generate a fetch client', async () => {
    // The fetch client is the CLI's default (in 13.13.0 any --http-client value, fetch included, gives axios).
    run('swagger-typescript-api', [
      GENERATOR,
      'generate',
      '--path',
      file,
      '--output',
      clientDir,
      '--name',
      'api.ts',
      '--silent',
    ]);
    const generated = join(clientDir, 'api.ts');
    const source = readFileSync(generated, 'utf8');
    if (/from ["']axios["']/.test(source)) throw new Error('the generator wrote an axios client, not a fetch one');
    // The generator marks its file @ts-nocheck: take it out, so that the whole client is type-checked, not just its use.
    writeFileSync(generated, source.replace(/^\/\/ @ts-nocheck\r?\n/m, ''));
    return `${join(clientDir, 'api.ts')} (${source.split('\n').length} lines)`;
  });

  await step('tsc --noEmit (strict): the generated client and a file that calls it', async () => {
    mkdirSync(clientDir, { recursive: true });
    writeFileSync(join(clientDir, 'usage.ts'), USAGE);
    writeFileSync(join(clientDir, 'tsconfig.json'), `${JSON.stringify(CLIENT_TSCONFIG, null, 2)}\n`);
    run('tsc', [TSC, '-p', join(clientDir, 'tsconfig.json')]);
    return 'compiles';
  });
}

for (const signal of ['SIGINT', 'SIGTERM'])
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: cleaning up\n`);
    void cleanUp().finally(() => process.exit(130));
  });

try {
  await main();
  await cleanUp();
  process.stdout.write('\nOpenAPI check passed.\n');
} catch (error) {
  process.stderr.write(`\nOpenAPI check failed: ${error instanceof Error ? error.message : String(error)}\n`);
  await cleanUp();
  process.exit(1);
}
