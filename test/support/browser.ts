import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { eventually } from './outbound.js';

/**
 * Debian's Chromium (`apt-get install -y chromium`), or the binary CHROMIUM_PATH names. The flags keep it from
 * reaching the network on its own (this machine's network is closed; Chromium would otherwise try Google's hosts).
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `No Chromium at ${CHROMIUM_PATH}: install Debian's (apt-get install -y chromium) or set CHROMIUM_PATH to a ` +
        'Chromium or Chrome binary.',
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/**
 * What a page did that a test must see: uncaught errors and console errors, the responses Chromium reported as failed
 * loads (it logs every 4xx/5xx answer to fetch, which the refusal flows cause on purpose), and every URL it requested.
 */
export interface PageRecord {
  errors: string[];
  failedLoads: string[];
  requestedUrls: string[];
  /** `METHOD url` of every request the page made. */
  requests: string[];
}

export async function openPage(
  browser: Browser,
  options: { baseUrl: string; width?: number; height?: number },
): Promise<{ context: BrowserContext; page: Page; record: PageRecord }> {
  const context = await browser.newContext({
    baseURL: options.baseUrl,
    viewport: { width: options.width ?? 1280, height: options.height ?? 860 },
    permissions: ['clipboard-read', 'clipboard-write'],
    reducedMotion: 'reduce',
  });
  const page = await context.newPage();
  const record: PageRecord = { errors: [], failedLoads: [], requestedUrls: [], requests: [] };
  page.on('pageerror', (error) => record.errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const text = message.text();
    if (text.startsWith('Failed to load resource: the server responded with a status of'))
      record.failedLoads.push(text);
    else record.errors.push(`console.error: ${text}`);
  });
  page.on('request', (request) => {
    record.requestedUrls.push(request.url());
    record.requests.push(`${request.method()} ${request.url()}`);
  });
  return { context, page, record };
}

/** Waits (up to 10 s) until `locator` matches exactly `count` elements. */
export async function expectCount(locator: Locator, count: number): Promise<void> {
  await eventually(
    async () => ((await locator.count()) === count ? true : undefined),
    10_000,
    `${count} of ${locator}`,
  );
}

/** Waits (up to 15 s) for the page's level-1 heading `name`. */
export async function expectHeading(page: Page, name: string): Promise<void> {
  await page.getByRole('heading', { level: 1, name }).waitFor({ timeout: 15_000 });
}

/** Signs in at /console with `key` (an API key or the operator token) and opens the agent titled `agentTitle`. */
export async function signInAndOpenAgent(page: Page, key: string, agentTitle: string): Promise<void> {
  await page.goto('/console');
  await expectHeading(page, 'Sign in');
  await page.getByLabel('API key or operator token').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expectHeading(page, 'Agents');
  await page.getByRole('link', { name: agentTitle }).click();
  await expectHeading(page, agentTitle);
}
