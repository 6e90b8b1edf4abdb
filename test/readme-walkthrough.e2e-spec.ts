import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { refusedPort, startFakeClientServer, type FakeClientServer } from './support/fake-client-server.js';
import { eventually, sendMessages } from './support/outbound.js';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from './support/test-app.js';

/** The shell block between the walkthrough markers of README.md, exactly as a reader copies it. */
function readmeWalkthrough(): string {
  const readme = readFileSync('README.md', 'utf8');
  const section = /<!-- walkthrough:start -->([\s\S]*?)<!-- walkthrough:end -->/.exec(readme)?.[1];
  const block = section && /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('README.md has no ```sh block between the walkthrough markers');
  return block;
}

/** bash with -e and pipefail, as a careful reader would run it; asynchronous, since the service runs in this process. */
function runBash(script: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

describe("README's walkthrough, run as written", () => {
  let t: TestApp;
  let client: FakeClientServer;
  let port: number;

  beforeAll(async () => {
    client = await startFakeClientServer();
    port = await refusedPort();
    t = await startTestApp({ port, env: { PUBLIC_BASE_URL: `http://127.0.0.1:${port}` } });
  });

  afterAll(async () => {
    await t?.close();
    await client?.close();
  });

  /** The README's block with what a reader changes by hand (the pasted token), aimed at this test's service and client. */
  const walkthroughWith = (operatorToken: string): string =>
    readmeWalkthrough()
      .replace(/^OPERATOR_TOKEN='.*'$/m, `OPERATOR_TOKEN='${operatorToken}'`)
      .replaceAll('localhost:3000', `127.0.0.1:${port}`)
      .replaceAll('http://127.0.0.1:4000', client.url);

  it('every step succeeds and the echo reply reaches the client server', async () => {
    expect(readmeWalkthrough()).toMatch(/^OPERATOR_TOKEN='.*'$/m);
    const run = await runBash(walkthroughWith(TEST_ADMIN_TOKEN));
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(run.stdout).toMatch(/^csk_\S+$/m);
    expect(run.stdout).toContain('"trained":true');
    expect(run.stdout).toMatch(new RegExp(`^[0-9a-f-]{36} http://127\\.0\\.0\\.1:${port}/\\S+/bot_api_webhook$`, 'm'));
    expect(run.stdout).toMatch(/^\{"result":"ok"\}$/m);
    expect(run.stdout).toContain('{"result":"ok"}');
    expect(run.stdout).toContain('"text":"hello"');
    const [reply] = await eventually(() => {
      const sent = sendMessages(client);
      return sent.length > 0 ? sent : undefined;
    });
    expect(reply.json).toMatchObject({ chat_id: 1, message: { kind: 'operator', text: 'Echo: hello' } });
  });

  it('a failed step stops the walkthrough with the error, instead of going on with empty variables', async () => {
    const run = await runBash(walkthroughWith('not-the-token'));
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('401');
    expect(run.stdout).not.toContain('{"result":"ok"}');
  });
});
