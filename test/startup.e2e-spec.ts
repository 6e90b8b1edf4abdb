import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { processesMatching, runNode, startNode } from './support/processes.js';

const MAIN = 'dist/apps/channel-service/src/main.js';

describe('production configuration', () => {
  it('refuses to start without the required variables, naming each on its own line', async () => {
    const result = await runNode(MAIN, [], { NODE_ENV: 'production' });
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    for (const name of [
      'DATABASE_URL',
      'PUBLIC_BASE_URL',
      'PLATFORM_ADMIN_TOKEN',
      'SECRETS_KEY',
      'AGENT_RUNTIME_URL',
    ]) {
      expect(lines.filter((line) => line.startsWith(`Missing required environment variable ${name}:`))).toHaveLength(1);
    }
    expect(result.stdout).toBe('');
  });

  it('reports malformed values too, without echoing a secret', async () => {
    const result = await runNode(MAIN, [], {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://db/x',
      PUBLIC_BASE_URL: 'https://channels.example.com',
      PLATFORM_ADMIN_TOKEN: 'short',
      SECRETS_KEY: 'bm90LTMyLWJ5dGVz',
      AGENT_RUNTIME_URL: 'ftp://agents',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('PLATFORM_ADMIN_TOKEN must be at least 16 characters long.');
    expect(result.stderr).toContain('SECRETS_KEY must be exactly 32 bytes encoded as base64');
    expect(result.stderr).toContain('AGENT_RUNTIME_URL must use http or https');
    expect(result.stderr).not.toContain('bm90LTMyLWJ5dGVz');
    expect(result.stderr).not.toContain('Missing required');
  });
});

describe('npm start on the embedded PostgreSQL', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'channel-service-start-'));
  // mkdtemp makes the directory 700; the embedded postgres user must be able to reach it.
  chmodSync(dataDir, 0o755);
  const env = { DATA_DIR: dataDir, PORT: '0', NODE_ENV: 'development', LOG_LEVEL: 'warn' };

  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function bootAndProbe(): Promise<{
    port: number;
    url: string;
    stop: () => Promise<number | null>;
    interruptGroup: () => Promise<{ code: number | null; output: string }>;
  }> {
    const service = startNode(MAIN, env, { group: true });
    const [, url] = await service.waitFor(/URL:\s+(http:\/\/localhost:\d+)/);
    const [, port] = await service.waitFor(/embedded PostgreSQL on 127\.0\.0\.1:(\d+)/);
    expect(service.output()).toMatch(/Operator token \(development only\): \S{20,}/);
    expect(service.output()).toContain(`API docs:  ${url}/docs`);
    expect(service.output()).toContain(`Console:   ${url}/console`);
    const ready = await fetch(`${url}/health/ready`);
    expect(ready.status).toBe(200);
    // `npm run build` built the console with the service: the compiled service serves it.
    const console = await fetch(`${url}/console`);
    expect(console.status).toBe(200);
    expect(await console.text()).toContain('<div id="app">');
    return {
      port: Number(port),
      url,
      stop: async () => {
        service.child.kill('SIGINT');
        const { code } = await service.exited;
        return code;
      },
      // Ctrl-C in a terminal: SIGINT to every process of the foreground group at once.
      interruptGroup: async () => {
        process.kill(-(service.child.pid as number), 'SIGINT');
        const { code } = await service.exited;
        return { code, output: service.output() };
      },
    };
  }

  async function query(port: number, sql: string): Promise<pg.QueryResult> {
    const password = readFileSync(join(dataDir, 'postgres-password'), 'utf8').trim();
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'channel_service' });
    await client.connect();
    try {
      return await client.query(sql);
    } finally {
      await client.end();
    }
  }

  it('starts, stops cleanly on Ctrl-C with no postgres left behind, and finds its data again', async () => {
    const first = await bootAndProbe();
    await query(first.port, 'CREATE TABLE restart_marker (note text); INSERT INTO restart_marker VALUES ($$kept$$)');
    expect(await first.stop()).toBe(0);
    expect(processesMatching(dataDir)).toEqual([]);

    const second = await bootAndProbe();
    const { rows } = await query(second.port, 'SELECT note FROM restart_marker');
    expect(rows).toEqual([{ note: 'kept' }]);
    expect(await second.stop()).toBe(0);
    expect(processesMatching(dataDir)).toEqual([]);
  });

  it('Ctrl-C in a terminal (SIGINT to the whole process group) shuts down in order: exit 0, no error line', async () => {
    const service = await bootAndProbe();
    const { code, output } = await service.interruptGroup();
    expect(code).toBe(0);
    // pino levels: 50 error, 60 fatal; and nothing thrown past the handlers.
    expect(output).not.toMatch(/"level":(50|60)/);
    expect(output).not.toContain('Unhandled');
    expect(output).not.toContain('57P01');
    expect(processesMatching(dataDir)).toEqual([]);
  });

  it('starts readable at info with LOG_FORMAT=pretty: single pino-pretty lines, no route mapping before the banner', async () => {
    const service = startNode(MAIN, { ...env, LOG_LEVEL: 'info', LOG_FORMAT: 'pretty' }, { group: true });
    const [, url] = await service.waitFor(/URL:\s+(http:\/\/localhost:\d+)/);
    // The readiness probe is not logged; a 404 is, at warn.
    expect((await fetch(`${url}/health/ready`)).status).toBe(200);
    expect((await fetch(`${url}/nowhere`)).status).toBe(404);
    await service.waitFor(/WARN.*request completed/);
    service.child.kill('SIGINT');
    expect((await service.exited).code).toBe(0);
    // pino-pretty colours its output: compare without the escapes.
    const lines = stripVTControlCharacters(service.output())
      .split('\n')
      .filter((line) => line.trim() !== '');
    expect(lines.filter((line) => line.startsWith('{'))).toEqual([]);
    expect(lines.filter((line) => line.includes('Mapped {'))).toEqual([]);
    expect(lines.filter((line) => line.includes('dependencies initialized'))).toEqual([]);
    expect(lines).toContainEqual(
      expect.stringMatching(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO.*Nest application successfully started/),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^\[[\d:.]+\] WARN.*request completed/));
    expect(lines.filter((line) => line.includes('/health/ready'))).toEqual([]);
    const banner = lines.findIndex((line) => line.includes('is running'));
    expect(banner).toBeGreaterThan(0);
    expect(banner).toBeLessThan(12);
    expect(processesMatching(dataDir)).toEqual([]);
  });
});
