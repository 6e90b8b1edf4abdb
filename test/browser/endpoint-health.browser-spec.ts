import type { Browser, BrowserContext, CDPSession, Locator, Page } from 'playwright-core';
import {
  asTenant,
  listMessages,
  makeActiveChannel,
  makeAgent,
  makeTenant,
  type ListedMessage,
  type TestTenant,
} from '../support/admin-api.js';
import { expectCount, launchChromium, openPage, signInAndOpenAgent, type PageRecord } from '../support/browser.js';
import {
  refusedPort,
  startFakeClientServer,
  type FakeClientServer,
  type RecordedRequest,
} from '../support/fake-client-server.js';
import { postEvent } from '../support/inbound.js';
import { eventually, sendMessages } from '../support/outbound.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** The browser's time zone: +05:30, so a local time read as UTC (or the other way round) is caught. */
const TIME_ZONE = 'Asia/Kolkata';
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Endpoint health and bulk replay in the console, in Debian's Chromium against the real service on a real PostgreSQL
 * with a fake client server: a channel paused by a 410 Gone shows a banner (since when, why, replies held) that
 * appears on its own; Resume sends the held reply and the banner goes; "Retry all failed since …" sends the local
 * time as an ISO time, shows the API's refusal of a bad one, and queues a failed reply again, which is then delivered.
 */
describe('console: endpoint health and replay (Chromium)', () => {
  let t: TestApp;
  let client: FakeClientServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let record: PageRecord;
  let cdp: CDPSession;
  let tenant: TestTenant;
  let paused: { id: string; token: string };
  let replayed: { id: string; token: string };
  /** How the fake client server answers send_message, per channel (its webhook path); anything else is 200. */
  const answers: Record<string, number> = { '/paused': 410, '/replay': 400 };

  beforeAll(async () => {
    const port = await refusedPort();
    t = await startTestApp({
      port,
      env: {
        PUBLIC_BASE_URL: `http://localhost:${port}`,
        CHANNEL_PAUSE_AFTER: '2s',
        CHANNEL_PROBE_INTERVAL: '1h',
        DELIVERY_RETRY_DELAYS_MS: Array.from({ length: 20 }, () => '200').join(','),
      },
    });
    client = await startFakeClientServer();
    client.respondWith((sent) => {
      const hook = `/${sent.url.split('/')[1]}`;
      if (!sent.url.split('?')[0].endsWith('/send_message')) return { status: 200, body: {} };
      const status = answers[hook] ?? 200;
      return { status, body: status === 200 ? {} : { error: `answered ${status}` } };
    });
    browser = await launchChromium();
    ({ context, page, record } = await openPage(browser, { baseUrl: t.baseUrl }));
    cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setTimezoneOverride', { timezoneId: TIME_ZONE });
    tenant = await makeTenant(t, 'Health');
    await makeAgent(t, tenant, 'health-bot', { title: 'Health bot', trained: true });
    paused = await makeActiveChannel(t, tenant, 'health-bot', {
      title: 'Gone site',
      webhookUrl: `${client.url}/paused`,
    });
    replayed = await makeActiveChannel(t, tenant, 'health-bot', {
      title: 'Replay site',
      webhookUrl: `${client.url}/replay`,
    });
  });

  afterAll(async () => {
    await cdp?.detach();
    await context?.close();
    await browser?.close();
    await client?.close();
    await t?.close();
  });

  const channelRegion = (name: string): Locator => page.getByRole('region', { name });
  const say = async (token: string, chatId: number, text: string): Promise<void> => {
    const res = await postEvent(t, token, {
      event: 'new_message',
      chat_id: chatId,
      visitor: { id: `v-${chatId}` },
      message: { id: `m-${chatId}`, kind: 'visitor', text },
    });
    expect(res.status).toBe(200);
  };
  /** The reply in a chat, once it has the status `status`. */
  const replyWhen = (channelId: string, chatId: number, status: string): Promise<ListedMessage> =>
    eventually(
      async () => {
        const reply = (await listMessages(t, tenant, channelId, chatId)).find((m) => m.direction === 'outbound');
        return reply?.status === status ? reply : undefined;
      },
      20_000,
      `the reply in chat ${chatId} ${status}`,
    );
  const deliveredTo = (hook: string): RecordedRequest[] =>
    sendMessages(client).filter((sent) => sent.url.startsWith(`${hook}/`) && sent.answeredStatus === 200);

  test('the tenant signs in and opens the agent: no channel is paused', async () => {
    await signInAndOpenAgent(page, tenant.apiKey, 'Health bot');
    await channelRegion('Gone site').waitFor();
    await channelRegion('Replay site').waitFor();
    await expectCount(page.getByRole('alert'), 0);
    await expectCount(page.getByText('Replies are held, not lost.'), 0);
  });

  test('a 410 Gone pauses the channel: the banner appears on its own; Resume sends the held reply', async () => {
    const site = channelRegion('Gone site');
    await say(paused.token, 1, 'hi');
    const health = await eventually(async () => {
      const body = (await asTenant(t, tenant).get(`/api/v1/channels/${paused.id}`)).body as {
        health: { state: string; since: string | null; reason: string | null };
      };
      return body.health.state === 'paused' ? body.health : undefined;
    }, 20_000);
    expect(health.reason).toBe('The client server answered 410 Gone');
    expect(await replyWhen(paused.id, 1, 'queued')).toMatchObject({ text: 'Echo: hi' });

    // Read again while the tab is open: no reload.
    const banner = site.getByRole('alert').filter({ hasText: 'Replies are held, not lost.' });
    await banner.waitFor({ timeout: 20_000 });
    const said = (await banner.locator('p').first().textContent()) ?? '';
    expect(said).toMatch(/^Paused since .+: The client server answered 410 Gone\. Replies are held, not lost\.$/);
    await expect(banner.locator('time').getAttribute('datetime')).resolves.toBe(health.since);
    // The other channel is not paused.
    await expectCount(channelRegion('Replay site').getByRole('alert'), 0);

    // At 360 px the banner fits without sideways scrolling.
    await page.setViewportSize({ width: 360, height: 780 });
    await expect(page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth')).resolves.toBe(0);
    await page.setViewportSize({ width: 1280, height: 860 });

    // The client server is back, but nothing probes for an hour: the reply stays held until Resume.
    answers['/paused'] = 200;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await replyWhen(paused.id, 1, 'queued')).toBeDefined();
    expect(deliveredTo('/paused')).toEqual([]);

    const [resumeRequest] = await Promise.all([
      page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith(`/channels/${paused.id}/resume`)),
      banner.getByRole('button', { name: 'Resume' }).click(),
    ]);
    expect(resumeRequest.postData()).toBeNull();
    await expectCount(site.getByRole('alert'), 0);
    const resumed = site.getByRole('status').filter({ hasText: 'Resumed: the held replies are being sent' });
    await resumed.waitFor();
    await expect(page.evaluate<string | undefined>('document.activeElement?.textContent')).resolves.toContain(
      'Resumed: the held replies are being sent',
    );
    // The console read the channel again after the resume.
    const resumedAt = record.requests.indexOf(`POST ${t.baseUrl}/api/v1/channels/${paused.id}/resume`);
    expect(record.requests.slice(resumedAt + 1)).toContain(`GET ${t.baseUrl}/api/v1/channels/${paused.id}`);

    const reply = await replyWhen(paused.id, 1, 'delivered');
    expect(reply.text).toBe('Echo: hi');
    expect(deliveredTo('/paused').map((sent) => (sent.json as { message: { text: string } }).message.text)).toEqual([
      'Echo: hi',
    ]);
    expect((await asTenant(t, tenant).get(`/api/v1/channels/${paused.id}`)).body.health).toEqual({
      state: 'active',
      since: null,
      reason: null,
    });
    // Still active a refresh later.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    await expectCount(site.getByRole('alert'), 0);
  }, 60_000);

  test('Retry all failed since …: the local time goes as an ISO time; a refusal is shown; a failed reply is delivered', async () => {
    await say(replayed.token, 2, 'again');
    const failed = await replyWhen(replayed.id, 2, 'failed');
    expect(failed.lastError).toContain('400');
    answers['/replay'] = 200;

    const site = channelRegion('Replay site');
    const group = site.getByRole('group', { name: 'Failed messages' });
    const since = group.getByLabel('Retry all failed since');
    const retry = group.getByRole('button', { name: 'Retry all failed' });
    // Chromium names the zone by its older ICU name.
    await group.getByText(/In your browser's time \(Asia\/(Kolkata|Calcutta)\)/).waitFor();
    await expect(since.getAttribute('type')).resolves.toBe('datetime-local');
    const byDefault = await since.inputValue();
    expect(byDefault).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d$/);
    const replays = (): string[] => record.requests.filter((line) => line.endsWith(`/channels/${replayed.id}/replay`));

    // A time the API refuses (not before now): its sentence and the field, nothing queued. Local +05:30 to UTC.
    await since.fill('2099-01-01T00:00');
    const [refused] = await Promise.all([page.waitForRequest((r) => r.url().endsWith('/replay')), retry.click()]);
    expect(refused.postDataJSON()).toEqual({ since: '2098-12-31T18:30:00.000Z' });
    const refusal = group.getByRole('alert');
    await refusal.getByText('The request is invalid: check since.').waitFor();
    await refusal.getByText('since must be before until').waitFor();
    expect((await listMessages(t, tenant, replayed.id, 2)).find((m) => m.direction === 'outbound')?.status).toBe(
      'failed',
    );

    // No time at all is refused in the form: nothing is sent.
    await since.fill('');
    await expectCount(refusal, 0);
    await retry.click();
    await group.getByRole('alert').getByText('enter a date and a time').waitFor();
    expect(replays()).toHaveLength(1);

    // The default, 24 hours ago in the browser's time, sent as an ISO time: the failed reply is queued again.
    await since.fill(byDefault);
    const [sent] = await Promise.all([page.waitForRequest((r) => r.url().endsWith('/replay')), retry.click()]);
    const iso = (sent.postDataJSON() as { since: string }).since;
    expect(iso).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z$/);
    expect(Math.abs(Date.parse(iso) - (Date.now() - DAY_MS))).toBeLessThan(5 * 60_000);
    await group
      .getByRole('status')
      .filter({ hasText: /^1 failed message queued again$/ })
      .waitFor();
    await expectCount(group.getByRole('alert'), 0);
    const reply = await replyWhen(replayed.id, 2, 'delivered');
    expect(reply.text).toBe('Echo: again');
    expect(deliveredTo('/replay')).toHaveLength(1);

    // Nothing has failed since: a second run queues nothing, and says so.
    await retry.click();
    await group
      .getByRole('status')
      .filter({ hasText: 'No failed message in that time: nothing was queued again.' })
      .waitFor();
    expect(replays()).toHaveLength(3);
  }, 60_000);

  test('the page had no uncaught error or console error', () => {
    expect(record.errors).toEqual([]);
  });
});
