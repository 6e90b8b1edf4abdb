import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import request from 'supertest';
import { Webhook } from 'standardwebhooks';
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
import { dbQuery, postEvent, tokenOf, visitorEvent } from '../support/inbound.js';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app.js';

/**
 * Signed requests (Standard Webhooks) in the console, in Debian's Chromium against the real service on a real
 * PostgreSQL with a fake client server: a new channel's signing secret is shown once (and not after a reload), a
 * rotation shows a new one and says the previous one stays valid for 24 hours, "Requests signed" follows
 * signingSecretSet, and "Require signed webhooks" is saved on create and on edit (the API then refuses unsigned posts
 * and accepts posts signed with the secrets the console showed).
 */
describe('console: signed requests (Chromium)', () => {
  let t: TestApp;
  let client: FakeClientServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let record: PageRecord;
  let tenant: TestTenant;
  const secrets: string[] = [TEST_ADMIN_TOKEN];
  let seq = 0;

  beforeAll(async () => {
    const port = await refusedPort();
    t = await startTestApp({ port, env: { PUBLIC_BASE_URL: `http://localhost:${port}` } });
    client = await startFakeClientServer();
    browser = await launchChromium();
    ({ context, page, record } = await openPage(browser, { baseUrl: t.baseUrl }));
    tenant = await makeTenant(t, 'Signer');
    secrets.push(tenant.apiKey);
    await makeAgent(t, tenant, 'signed-bot', { title: 'Signed bot', trained: true });
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await client?.close();
    await t?.close();
  });

  const channelRegion = (name: string): Locator => page.getByRole('region', { name });
  const channelsOfAgent = async (): Promise<Record<string, unknown>[]> =>
    (await asTenant(t, tenant).get('/api/v1/agents/signed-bot/channels')).body as Record<string, unknown>[];
  const rotations = (): string[] => record.requests.filter((line) => line.includes('/rotate-signing-secret'));

  /** A visitor message posted to the channel's App.Chatbots webhook URL, signed with `secret` (or unsigned). */
  const post = (channel: Record<string, unknown>, secret?: string) => {
    const body = JSON.stringify(visitorEvent({ chatId: 5000 + (seq += 1), messageId: `signed-${seq}` }));
    if (secret === undefined) return postEvent(t, tokenOf(channel), body);
    const id = `msg_console_${seq}`;
    const at = new Date();
    return request(t.baseUrl)
      .post(`/${tokenOf(channel)}/bot_api_webhook`)
      .set('content-type', 'application/json')
      .set('webhook-id', id)
      .set('webhook-timestamp', String(Math.floor(at.getTime() / 1000)))
      .set('webhook-signature', new Webhook(secret).sign(id, at, body))
      .send(body);
  };

  test('the tenant signs in and opens the agent', async () => {
    await signInAndOpenAgent(page, tenant.apiKey, 'Signed bot');
  });

  test('a new channel shows its signing secret once; a rotation shows a new one; Require signed webhooks is saved', async () => {
    await page.getByRole('button', { name: 'Add another channel' }).click();
    const draft = channelRegion('New channel');
    const draftSigning = draft.getByRole('group', { name: 'Signed requests' });
    await expect(draftSigning.getByLabel('Require signed webhooks').isChecked()).resolves.toBe(false);
    // A draft has no secret yet, so nothing to rotate.
    await expectCount(draftSigning.getByRole('button', { name: 'Rotate signing secret' }), 0);
    await draft.getByLabel('Title').fill('Signed site');
    await draft.getByLabel('Channel webhook: URL').fill(client.url);
    await draft.getByRole('switch', { name: 'Active' }).check();
    const [created] = await Promise.all([
      page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/agents/signed-bot/channels')),
      draft.getByRole('button', { name: 'Save' }).click(),
    ]);
    // Off is the API's default: the create body does not send it.
    expect(created.postDataJSON().requireSignedWebhooks).toBeUndefined();

    // The secret is shown once, marked so, and takes the focus.
    const site = channelRegion('Signed site Active');
    const shown = site.getByRole('region', { name: 'Signing secret: shown once — copy it now' });
    await shown.waitFor({ timeout: 20_000 });
    await expect(page.evaluate<string | undefined>('document.activeElement?.textContent')).resolves.toBe(
      'Signing secret: shown once — copy it now',
    );
    await shown.getByText('This is the only time it is shown').waitFor();
    const first = await shown.getByLabel('Signing secret', { exact: true }).inputValue();
    expect(first).toMatch(/^whsec_/);
    secrets.push(first);
    await shown.getByRole('button', { name: 'Copy signing secret' }).click();
    await shown.getByText('Copied').waitFor();
    await expect(page.evaluate<string>('navigator.clipboard.readText()')).resolves.toBe(first);
    const [stored] = await channelsOfAgent();
    expect(stored).toMatchObject({ title: 'Signed site', signingSecretSet: true, requireSignedWebhooks: false });
    expect(stored.signingSecret).toBeUndefined();
    const signing = site.getByRole('group', { name: 'Signed requests' });
    await signing.getByText('Requests signed: yes').waitFor();

    // At 360 px the shown secret fits without sideways scrolling.
    await page.setViewportSize({ width: 360, height: 780 });
    await expect(page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth')).resolves.toBe(0);
    await page.setViewportSize({ width: 1280, height: 860 });

    // While it is on screen no other secret can be made (it would replace the one not yet copied); Done hides it.
    const rotateButton = signing.getByRole('button', { name: 'Rotate signing secret' });
    await expect(rotateButton.isDisabled()).resolves.toBe(true);
    await shown.getByRole('button', { name: 'Done' }).click();
    await expectCount(shown, 0);
    await expect(rotateButton.isEnabled()).resolves.toBe(true);

    // Never shown again: not after a reload either.
    await page.reload();
    await expectHeading(page, 'Signed bot');
    await signing.getByText('Requests signed: yes').waitFor();
    await expectCount(page.getByRole('region', { name: /shown once/ }), 0);
    expect(await page.content()).not.toContain(first);

    // Rotation asks first (Cancel sends nothing), then shows the new secret once with the 24 hours of the old one.
    await rotateButton.click();
    let dialog = page.getByRole('dialog', { name: 'Rotate the signing secret?' });
    await dialog.getByText('The current one stays valid for 24 hours').waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expectCount(dialog, 0);
    expect(rotations()).toEqual([]);
    await rotateButton.click();
    dialog = page.getByRole('dialog', { name: 'Rotate the signing secret?' });
    await dialog.getByRole('button', { name: 'Rotate signing secret' }).click();
    const rotated = site.getByRole('region', { name: 'New signing secret: shown once — copy it now' });
    await rotated.waitFor();
    await rotated.getByText('The previous secret stays valid for 24 hours').waitFor();
    const second = await rotated.getByLabel('Signing secret', { exact: true }).inputValue();
    expect(second).toMatch(/^whsec_/);
    expect(second).not.toBe(first);
    secrets.push(second);
    expect(rotations()).toHaveLength(1);
    await rotated.getByRole('button', { name: 'Done' }).click();
    await expectCount(rotated, 0);

    // Require signed webhooks, on edit: one PATCH with only that field; the API shows it, and so does a reload.
    const required = signing.getByLabel('Require signed webhooks');
    await expect(required.isChecked()).resolves.toBe(false);
    await required.check();
    const [patched] = await Promise.all([
      page.waitForRequest((r) => r.method() === 'PATCH'),
      site.getByRole('button', { name: 'Save' }).click(),
    ]);
    expect(patched.postDataJSON()).toEqual({ requireSignedWebhooks: true });
    await site.getByText('Saved.').waitFor();
    const channel = (await asTenant(t, tenant).get(`/api/v1/channels/${String(stored.id)}`)).body;
    expect(channel).toMatchObject({ requireSignedWebhooks: true, signingSecretSet: true });
    await page.reload();
    await expectHeading(page, 'Signed bot');
    await expect(signing.getByLabel('Require signed webhooks').isChecked()).resolves.toBe(true);

    // The secrets the console showed are the channel's: an unsigned post is refused, one signed with the new secret
    // is accepted, and so is one signed with the previous secret (still valid for 24 hours).
    expect((await post(channel)).status).toBe(401);
    expect((await post(channel, second)).status).toBe(200);
    expect((await post(channel, first)).status).toBe(200);
    expect((await post(channel, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')).status).toBe(401);
  }, 60_000);

  test('a channel created with Require signed webhooks; one without a secret says so until it is rotated', async () => {
    await page.getByRole('button', { name: 'Add another channel' }).click();
    const draft = channelRegion('New channel');
    await draft.getByLabel('Title').fill('Strict site');
    await draft.getByLabel('Channel webhook: URL').fill(client.url);
    await draft.getByLabel('Require signed webhooks').check();
    const [created] = await Promise.all([
      page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/agents/signed-bot/channels')),
      draft.getByRole('button', { name: 'Save' }).click(),
    ]);
    expect(created.postDataJSON()).toMatchObject({ title: 'Strict site', requireSignedWebhooks: true });
    const strict = channelRegion('Strict site Inactive');
    const shown = strict.getByRole('region', { name: 'Signing secret: shown once — copy it now' });
    secrets.push(await shown.getByLabel('Signing secret', { exact: true }).inputValue());
    await shown.getByRole('button', { name: 'Done' }).click();
    const stored = (await channelsOfAgent()).find((c) => c.title === 'Strict site') as Record<string, unknown>;
    expect(stored).toMatchObject({ requireSignedWebhooks: true, signingSecretSet: true });

    // A channel created before signing has no secret: the console says so, and that every post is refused.
    await dbQuery(
      t,
      `UPDATE channels SET signing_secret_encrypted = NULL, previous_signing_secret_encrypted = NULL,
         signing_secret_rotated_at = NULL WHERE id = $1`,
      [stored.id],
    );
    await page.reload();
    await expectHeading(page, 'Signed bot');
    const signing = strict.getByRole('group', { name: 'Signed requests' });
    await signing.getByText('Requests signed: no (rotate to get a secret)').waitFor();
    await signing.getByText('This channel has no signing secret yet').waitFor();
    await expect(signing.getByLabel('Require signed webhooks').isChecked()).resolves.toBe(true);

    await signing.getByRole('button', { name: 'Rotate signing secret' }).click();
    const dialog = page.getByRole('dialog', { name: 'Rotate the signing secret?' });
    await dialog.getByText('The channel gets its first signing secret').waitFor();
    await dialog.getByRole('button', { name: 'Rotate signing secret' }).click();
    const rotated = strict.getByRole('region', { name: 'New signing secret: shown once — copy it now' });
    const secret = await rotated.getByLabel('Signing secret', { exact: true }).inputValue();
    expect(secret).toMatch(/^whsec_/);
    secrets.push(secret);
    await signing.getByText('Requests signed: yes').waitFor();
    await expectCount(signing.getByText('This channel has no signing secret yet'), 0);
    expect((await asTenant(t, tenant).get(`/api/v1/channels/${String(stored.id)}`)).body).toMatchObject({
      signingSecretSet: true,
      requireSignedWebhooks: true,
    });
  }, 60_000);

  test('no secret shown was ever in a URL or a log line; the page had no error', () => {
    for (const secret of secrets) {
      expect(record.requestedUrls.filter((url) => url.includes(secret))).toEqual([]);
      expect(t.logs.filter((line) => line.includes(secret))).toEqual([]);
    }
    expect(record.errors).toEqual([]);
  });
});
