import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import express from 'express';
import request from 'supertest';
import { CONSOLE_CSP, CONSOLE_DIR, consoleRouter } from '../apps/channel-service/src/console-static.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const SECURITY_HEADERS = {
  'content-security-policy': CONSOLE_CSP,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};
const IMMUTABLE = 'public, max-age=31536000, immutable';
const PACKAGE_JSON = readFileSync(join(process.cwd(), 'package.json'), 'utf8');

/** A raw request: the path goes on the wire exactly as written (a URL parser would resolve `..` first). */
function raw(baseUrl: string, path: string, method = 'GET'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(baseUrl), { path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the console at /console', () => {
  let t: TestApp;
  let indexHtml: string;
  /** The entry script, as index.html names it (the name carries a content hash). */
  let assetPath: string;
  /** Every asset index.html names (scripts, stylesheets). */
  let assetPaths: string[];

  beforeAll(async () => {
    t = await startTestApp();
    indexHtml = readFileSync(join(CONSOLE_DIR, 'index.html'), 'utf8');
    const src = /<script\b[^>]*\bsrc="([^"]+)"/.exec(indexHtml)?.[1];
    if (!src?.startsWith('/console/assets/')) throw new Error(`no console script in index.html: ${indexHtml}`);
    assetPath = src;
    assetPaths = [...indexHtml.matchAll(/\b(?:src|href)="(\/console\/assets\/[^"]+)"/g)].map((match) => match[1]);
  });

  afterAll(async () => {
    await t?.close();
  });

  it('finds the build in <project root>/dist/console', () => {
    expect(CONSOLE_DIR).toBe(join(process.cwd(), 'dist', 'console'));
  });

  it.each(['/console', '/console/', '/console/tenants/42', '/console/index.html', '/console/..%2fpackage.json'])(
    'GET %s serves index.html, revalidated each time, with the security headers',
    async (path) => {
      const res = await request(t.baseUrl).get(path);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers).toMatchObject(SECURITY_HEADERS);
      expect(res.text).toBe(indexHtml);
    },
  );

  it('serves index.html with no inline script, style or handler, as the CSP requires', async () => {
    const html = (await request(t.baseUrl).get('/console')).text;
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\bsrc="\/console\/[^"]+"/);
      expect(body.trim()).toBe('');
    }
    expect(html).not.toMatch(/<style\b/i);
    expect(html).not.toMatch(/\sstyle=/i);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
  });

  it('serves each hashed asset for a year, immutable, with its type and the security headers', async () => {
    expect(assetPaths).toContain(assetPath);
    const types: Record<string, RegExp> = {
      js: /^text\/javascript; charset=utf-8$/,
      css: /^text\/css; charset=utf-8$/,
    };
    for (const path of assetPaths) {
      const res = await request(t.baseUrl).get(path).buffer(true);
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
      expect(res.headers['content-type']).toMatch(types[path.split('.').at(-1) ?? ''] ?? /^(?!text\/html)/);
      expect(res.headers['cache-control']).toBe(IMMUTABLE);
      expect(res.headers).toMatchObject(SECURITY_HEADERS);
      expect(res.text).toBe(readFileSync(join(CONSOLE_DIR, path.slice('/console/'.length)), 'utf8'));
    }
  });

  it('answers HEAD like GET, without a body', async () => {
    const index = await request(t.baseUrl).head('/console/');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers).toMatchObject(SECURITY_HEADERS);
    expect(index.text ?? '').toBe('');
    const asset = await request(t.baseUrl).head(assetPath);
    expect(asset.status).toBe(200);
    expect(asset.headers['cache-control']).toBe(IMMUTABLE);
    const size = statSync(join(CONSOLE_DIR, assetPath.slice('/console/'.length))).size;
    expect(asset.headers['content-length']).toBe(String(size));
  });

  it('answers a missing asset 404, not index.html, with the security headers', async () => {
    for (const path of ['/console/assets/index-00000000.js', '/console/assets/x/index.js', '/console/assets/.hidden']) {
      const res = await request(t.baseUrl).get(path);
      expect({ path, status: res.status, body: res.body }).toEqual({ path, status: 404, body: { error: 'Not found' } });
      expect(res.headers).toMatchObject(SECURITY_HEADERS);
    }
  });

  it('lists no directory', async () => {
    for (const path of ['/console/assets', '/console/assets/', '/console/assets//']) {
      const res = await raw(t.baseUrl, path);
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
      expect(res.body).not.toContain('index-');
    }
  });

  it.each([
    '/console/assets/..%2f..%2fpackage.json',
    '/console/assets/..%2F..%2F..%2Fpackage.json',
    '/console/assets/%2e%2e/%2e%2e/package.json',
    '/console/assets/%2e%2e%2f%2e%2e%2fpackage.json',
    '/console/assets/..%5c..%5cpackage.json',
    '/console/assets/../../package.json',
    '/console/assets/../index.html',
    '/console/assets/%2fetc%2fpasswd',
    '/console/assets/index.js%00.html',
    '/console/assets/%E0%A4%A',
  ])('refuses the traversal %s with 404 and the security headers', async (path) => {
    const res = await raw(t.baseUrl, path);
    expect(res.status).toBe(404);
    expect(res.body).not.toContain('"devDependencies"');
    expect(res.body).not.toContain('<html');
    expect(PACKAGE_JSON).toContain('"devDependencies"');
    const headers = await new Promise<Record<string, unknown>>((resolve, reject) =>
      httpRequest(new URL(t.baseUrl), { path }, (r) => {
        r.resume();
        resolve(r.headers);
      })
        .on('error', reject)
        .end(),
    );
    expect(headers).toMatchObject(SECURITY_HEADERS);
  });

  it('answers other methods 405 with Allow, and takes no body', async () => {
    for (const [method, path] of [
      ['POST', '/console'],
      ['PUT', '/console/tenants'],
      ['DELETE', assetPath],
    ] as const) {
      const res = await request(t.baseUrl)[method === 'POST' ? 'post' : method === 'PUT' ? 'put' : 'delete'](path);
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 405 });
      expect(res.headers.allow).toBe('GET, HEAD');
      expect(res.headers).toMatchObject(SECURITY_HEADERS);
    }
    const big = await request(t.baseUrl)
      .post('/console')
      .set('content-type', 'application/json')
      .send(JSON.stringify({ text: 'x'.repeat(10_000) }));
    expect(big.status).toBe(405);
    expect((await request(t.baseUrl).get('/health/live')).status).toBe(200);
  });

  it('leaves other paths alone: /consoles is not the console', async () => {
    const res = await request(t.baseUrl).get('/consoles');
    expect(res.status).toBe(404);
    expect(res.headers['content-security-policy']).toBeUndefined();
  });

  it('logs each request with its route template and request id, and labels metrics by two templates', async () => {
    t.logs.length = 0;
    const page = await request(t.baseUrl).get('/console/a/deep/page').set('x-request-id', 'console-1');
    expect(page.headers['x-request-id']).toBe('console-1');
    await request(t.baseUrl).get(assetPath);
    await request(t.baseUrl).get('/console/assets/index-missing.js');
    const lines = t.logs
      .map((line) => JSON.parse(line) as { req?: { id?: string; url?: string }; route?: string; res?: object })
      .filter((line) => line.res);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ req: expect.objectContaining({ id: 'console-1', url: '/console/a/deep/page' }) }),
        expect.objectContaining({ route: '/console{/*page}' }),
        expect.objectContaining({ route: '/console/assets{/*file}', req: expect.objectContaining({ url: assetPath }) }),
      ]),
    );
    expect(lines.filter((line) => line.req?.id === 'console-1')).toHaveLength(1);

    const metrics = (await request(t.baseUrl).get('/metrics')).text;
    expect(metrics).toMatch(/http_requests_total\{method="GET",route="\/console\{\/\*page\}",status="200"\} \d+/);
    expect(metrics).toMatch(
      /http_requests_total\{method="GET",route="\/console\/assets\{\/\*file\}",status="200"\} \d+/,
    );
    expect(metrics).toMatch(
      /http_requests_total\{method="GET",route="\/console\/assets\{\/\*file\}",status="404"\} \d+/,
    );
    const consoleRoutes = new Set([...metrics.matchAll(/route="(\/console[^"]*)"/g)].map((match) => match[1]));
    expect([...consoleRoutes].sort()).toEqual(['/console/assets{/*file}', '/console{/*page}']);
  });
});

describe('the console router without a build', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'console-not-built-'));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 saying how to build it, warns once, and leaves other paths alone', async () => {
    const warnings: string[] = [];
    const app = express().use(consoleRouter(dir, (message) => warnings.push(message)));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('npm run build');

    for (const path of ['/console', '/console/', '/console/tenants', '/console/assets/index-abc.js']) {
      const res = await request(app).get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 503 });
      expect(res.body.error).toContain('npm run build');
      expect(res.headers).toMatchObject(SECURITY_HEADERS);
    }
    expect((await request(app).head('/console')).status).toBe(503);
    expect((await request(app).get('/elsewhere')).status).toBe(404);
    expect(warnings).toHaveLength(1);
  });
});
