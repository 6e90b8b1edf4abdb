import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Router, type Response } from 'express';
import type { Logger as PinoLogger } from 'pino';
import { pinoHttp } from 'pino-http';
import { ROOT_LOGGER, requestLogOptions } from '#common';

/** The console loads nothing but its own files and talks only to this service (see apps/console/vite.config.ts). */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const CONSOLE_HEADERS = {
  'Content-Security-Policy': CONSOLE_CSP,
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

// Two route templates, so the metrics and the request log carry two labels, not one per file or page.
const ASSET_ROUTE = '/console/assets{/*file}';
const PAGE_ROUTE = '/console{/*page}';
const ONE_YEAR_MS = 365 * 24 * 60 * 60 * 1000;
const NOT_BUILT = 'The console was not built: run `npm run build`, then restart the service.';

/** The nearest directory at or above `dir` that holds a package.json. */
export function projectRoot(dir: string): string {
  if (existsSync(join(dir, 'package.json'))) return dir;
  const parent = dirname(dir);
  if (parent === dir) throw new Error('No package.json above the service: the project root is unknown.');
  return projectRoot(parent);
}

/** Where `npm run build` puts the console, whether this file runs compiled (dist/apps/…) or from source (ts-jest). */
export const CONSOLE_DIR = join(projectRoot(dirname(fileURLToPath(import.meta.url))), 'dist', 'console');

function answer(res: Response, status: number, error: string): void {
  res.status(status).set('Cache-Control', 'no-store').json({ error });
}

/**
 * The built console under /console: hashed assets cached for a year, and index.html (revalidated on every load) for
 * any other page, since a reload may carry a path. Without a build, every /console request is 503 and `warn` is told
 * once.
 */
export function consoleRouter(dir: string, warn: (message: string) => void): Router {
  const router = Router();
  router.use('/console', (_req, res, next) => {
    res.set(CONSOLE_HEADERS);
    next();
  });
  if (!existsSync(join(dir, 'index.html'))) {
    warn(`${NOT_BUILT} (${join(dir, 'index.html')} is missing)`);
    router.all(PAGE_ROUTE, (_req, res) => answer(res, 503, NOT_BUILT));
    return router;
  }
  router.get(ASSET_ROUTE, (req, res) => {
    // Only a file directly in assets/: `send` refuses `..` in the one segment (a decoded %2F), the length any other.
    const segments = (req.params as { file?: string[] }).file ?? [];
    if (segments.length !== 1 || segments[0] === '') return answer(res, 404, 'Not found');
    const options = { root: join(dir, 'assets'), dotfiles: 'ignore' as const, maxAge: ONE_YEAR_MS, immutable: true };
    res.sendFile(segments[0], options, (error) => {
      if (error && !res.headersSent) answer(res, 404, 'Not found');
    });
  });
  router.get(PAGE_ROUTE, (_req, res) => {
    res.set('Cache-Control', 'no-cache');
    res.sendFile('index.html', { root: dir, cacheControl: false }, (error) => {
      if (error && !res.headersSent) answer(res, 503, NOT_BUILT);
    });
  });
  router.all(PAGE_ROUTE, (_req, res) => {
    res.set('Allow', 'GET, HEAD');
    answer(res, 405, 'Method not allowed');
  });
  return router;
}

/**
 * Mounted from setupApp, so ahead of Nest's middleware: the console brings its own request log line (the same
 * options as every other route's) and answers every /console request itself, body-less, without Nest's 404.
 */
export function serveConsole(app: NestExpressApplication, dir = CONSOLE_DIR): void {
  const logger = new Logger('Console');
  app.use('/console', pinoHttp(requestLogOptions(app.get<symbol, PinoLogger>(ROOT_LOGGER))));
  app.use(consoleRouter(dir, (message) => logger.warn(message)));
}
