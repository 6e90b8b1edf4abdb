import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { asTenant, makeAgent, makeTenant, type TestTenant } from '../support/admin-api.js';
import {
  expectCount,
  expectHeading,
  launchChromium,
  openPage,
  signInAndOpenAgent,
  type PageRecord,
} from '../support/browser.js';
import { refusedPort, startFakeClientServer, type FakeClientServer } from '../support/fake-client-server.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const LABEL = 'Delivery rate limit (send_message calls per second)';

/**
 * The delivery rate limit in the console, in Debian's Chromium against the real service on a real PostgreSQL: set on
 * create (sent as `{perSecond}`), changed and cleared (sent as null) on edit, each shown on the channel's card and
 * stored as the API shows it; a value the API refuses (0, negative, a fraction, above 10000) shows the API's sentence
 * and changes nothing, and text the browser cannot read as a number is refused in the form without a request.
 */
describe('console: delivery rate limit (Chromium)', () => {
  let t: TestApp;
  let client: FakeClientServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let record: PageRecord;
  let tenant: TestTenant;

  beforeAll(async () => {
    const port = await refusedPort();
    t = await startTestApp({ port, env: { PUBLIC_BASE_URL: `http://localhost:${port}` } });
    client = await startFakeClientServer();
    browser = await launchChromium();
    ({ context, page, record } = await openPage(browser, { baseUrl: t.baseUrl }));
    tenant = await makeTenant(t, 'Pacer');
    await makeAgent(t, tenant, 'paced-bot', { title: 'Paced bot', trained: true });
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await client?.close();
    await t?.close();
  });

  const channelRegion = (name: string): Locator => page.getByRole('region', { name });
  const channelsOfAgent = async (): Promise<Record<string, unknown>[]> =>
    (await asTenant(t, tenant).get('/api/v1/agents/paced-bot/channels')).body as Record<string, unknown>[];
  const creates = (): string[] =>
    record.requests.filter((line) => line.startsWith('POST ') && line.endsWith('/channels'));
  const patches = (): string[] => record.requests.filter((line) => line.startsWith('PATCH '));

  /** Adds a draft channel titled `title` on the client server, with `rate` typed in the field (if given). */
  const draftChannel = async (title: string, rate?: string): Promise<Locator> => {
    await page.getByRole('button', { name: 'Add another channel' }).click();
    const draft = channelRegion('New channel');
    await draft.getByLabel('Title').fill(title);
    await draft.getByLabel('Channel webhook: URL').fill(client.url);
    if (rate !== undefined) await draft.getByLabel(LABEL).fill(rate);
    return draft;
  };

  test('the tenant signs in and opens the agent', async () => {
    await signInAndOpenAgent(page, tenant.apiKey, 'Paced bot');
  });

  test('a limit set on create, changed and cleared on edit, is sent, stored and shown; a refused one changes nothing', async () => {
    const draft = await draftChannel('Paced site');
    const field = draft.getByLabel(LABEL);
    await expect(field.getAttribute('type')).resolves.toBe('number');
    await expect(field.inputValue()).resolves.toBe('');
    await draft.getByText(/^Empty: no limit\./).waitFor();
    await field.fill('5');
    const [created] = await Promise.all([
      page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/agents/paced-bot/channels')),
      draft.getByRole('button', { name: 'Save' }).click(),
    ]);
    expect(created.postDataJSON()).toMatchObject({ title: 'Paced site', deliveryRateLimit: { perSecond: 5 } });
    const site = channelRegion('Paced site Inactive');
    await site.getByText('Saved.').waitFor();
    await site.getByRole('button', { name: 'Done' }).click();
    const [listed] = await channelsOfAgent();
    const id = String(listed.id);
    const stored = async (): Promise<unknown> =>
      (await asTenant(t, tenant).get(`/api/v1/channels/${id}`)).body.deliveryRateLimit;
    expect(await stored()).toEqual({ perSecond: 5 });
    await site.getByText('Delivery rate limit: 5/s').waitFor();

    // After a reload the field holds the stored limit.
    await page.reload();
    await expectHeading(page, 'Paced bot');
    await expect(site.getByLabel(LABEL).inputValue()).resolves.toBe('5');
    await site.getByText('Delivery rate limit: 5/s').waitFor();

    // Edit: one PATCH with only the limit.
    await site.getByLabel(LABEL).fill('12');
    const [changed] = await Promise.all([
      page.waitForRequest((r) => r.method() === 'PATCH'),
      site.getByRole('button', { name: 'Save' }).click(),
    ]);
    expect(changed.postDataJSON()).toEqual({ deliveryRateLimit: { perSecond: 12 } });
    await site.getByText('Saved.').waitFor();
    await site.getByText('Delivery rate limit: 12/s').waitFor();
    expect(await stored()).toEqual({ perSecond: 12 });

    // Values the API refuses: its sentence and the field's detail, with another change that is not saved either.
    for (const [typed, detail] of [
      ['0', 'perSecond must not be less than 1'],
      ['-3', 'perSecond must not be less than 1'],
      ['2.5', 'perSecond must be an integer number'],
      ['10001', 'perSecond must not be greater than 10000'],
    ]) {
      await site.getByLabel(LABEL).fill(typed);
      await site.getByLabel('Title').fill('Renamed site');
      const [refused] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'PATCH'),
        site.getByRole('button', { name: 'Save' }).click(),
      ]);
      expect(refused.status()).toBe(400);
      expect(refused.request().postDataJSON()).toEqual({
        title: 'Renamed site',
        deliveryRateLimit: { perSecond: Number(typed) },
      });
      const refusal = site.getByRole('alert');
      await refusal.getByText('The request is invalid: check deliveryRateLimit.perSecond.').waitFor();
      await refusal.getByText(detail).waitFor();
      expect(await stored()).toEqual({ perSecond: 12 });
      await site.getByText('Delivery rate limit: 12/s').waitFor();
      await expectCount(channelRegion('Paced site Inactive'), 1);
    }
    expect((await asTenant(t, tenant).get(`/api/v1/channels/${id}`)).body.title).toBe('Paced site');

    // Text the number field cannot read is refused by the console itself: no request.
    const before = patches().length;
    await site.getByLabel(LABEL).fill('');
    await site.getByLabel(LABEL).pressSequentially('1e');
    await site.getByRole('button', { name: 'Save' }).click();
    await site
      .getByRole('alert')
      .getByText('Delivery rate limit: enter a whole number of send_message calls per second from 1 to 10000')
      .waitFor();
    expect(patches()).toHaveLength(before);
    expect(await stored()).toEqual({ perSecond: 12 });

    // Empty removes the limit: sent as null.
    await site.getByLabel(LABEL).fill('');
    await site.getByLabel('Title').fill('Paced site');
    const [cleared] = await Promise.all([
      page.waitForRequest((r) => r.method() === 'PATCH'),
      site.getByRole('button', { name: 'Save' }).click(),
    ]);
    expect(cleared.postDataJSON()).toEqual({ deliveryRateLimit: null });
    await site.getByText('Saved.').waitFor();
    await expectCount(site.getByRole('alert'), 0);
    await site.getByText('Delivery rate limit: none').waitFor();
    expect(await stored()).toBeNull();
    await page.reload();
    await expectHeading(page, 'Paced bot');
    await expect(site.getByLabel(LABEL).inputValue()).resolves.toBe('');
    await site.getByText('Delivery rate limit: none').waitFor();
  }, 60_000);

  test('a channel created without a limit sends none; one created with a refused limit is not created', async () => {
    const free = await draftChannel('Free site');
    const [created] = await Promise.all([
      page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/agents/paced-bot/channels')),
      free.getByRole('button', { name: 'Save' }).click(),
    ]);
    expect(created.postDataJSON().deliveryRateLimit).toBeUndefined();
    const site = channelRegion('Free site Inactive');
    await site.getByText('Saved.').waitFor();
    await site.getByRole('button', { name: 'Done' }).click();
    await site.getByText('Delivery rate limit: none').waitFor();
    const stored = (await channelsOfAgent()).find((c) => c.title === 'Free site');
    expect(stored?.deliveryRateLimit).toBeNull();

    const refused = await draftChannel('Too fast site', '0');
    await refused.getByRole('button', { name: 'Save' }).click();
    await refused.getByRole('alert').getByText('perSecond must not be less than 1').waitFor();
    const posts = creates().length;
    await refused.getByLabel(LABEL).fill('');
    await refused.getByLabel(LABEL).pressSequentially('-');
    await refused.getByRole('button', { name: 'Save' }).click();
    await refused.getByRole('alert').getByText('or leave it empty for no limit').waitFor();
    expect(creates()).toHaveLength(posts);
    expect((await channelsOfAgent()).map((c) => c.title).sort()).toEqual(['Free site', 'Paced site']);
    await refused.getByRole('button', { name: 'Discard' }).click();
    await expectCount(channelRegion('New channel'), 0);
  }, 60_000);

  test('the page had no uncaught error or console error', () => {
    expect(record.errors).toEqual([]);
  });
});
