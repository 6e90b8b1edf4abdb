import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { asTenant, makeChannel, makeTenant, operator, type TestTenant } from '../support/admin-api.js';
import { expectCount, expectHeading, launchChromium, openPage, type PageRecord } from '../support/browser.js';
import { refusedPort, startFakeClientServer, type FakeClientServer } from '../support/fake-client-server.js';
import { dbQuery, postEvent, tokenOf, visitorEvent } from '../support/inbound.js';
import { eventually, sendMessages } from '../support/outbound.js';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app.js';

/**
 * The console in Debian's Chromium against the real service on a real PostgreSQL, with a fake client server: the
 * operator creates a tenant and its key, the tenant signs in with that key and walks the seed's Channels tab
 * (refusal, both warnings, a clean save, a repeated title, rotation, deletion) and a channel's extensions, then a chat
 * whose reply failed is retried to delivered, the Agent writes first, the Agent's actions (a handover sent, a closing
 * skipped) are shown, a chat the client server closed shows closed until a visitor message opens it again; the data
 * lifecycle (a visitor exported and erased, an agent deleted, a tenant's retention set and the tenant deleted), and
 * the tenant signs out. CONSOLE_SCREENSHOTS=<dir> writes the screenshots the README shows (docs/console).
 */
const SCREENSHOTS = process.env.CONSOLE_SCREENSHOTS;

async function shoot(page: Page, name: string): Promise<void> {
  if (!SCREENSHOTS) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

function channelRegion(page: Page, name: string) {
  return page.getByRole('region', { name });
}

describe('console (Chromium)', () => {
  let t: TestApp;
  let client: FakeClientServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let record: PageRecord;
  let tenant: TestTenant;
  const secrets: string[] = [TEST_ADMIN_TOKEN];

  beforeAll(async () => {
    // The service listens on a free port, where its platform webhook URLs say, so the URL the console shows works.
    const port = await refusedPort();
    t = await startTestApp({ port, env: { PUBLIC_BASE_URL: `http://localhost:${port}` } });
    client = await startFakeClientServer();
    browser = await launchChromium();
    ({ context, page, record } = await openPage(browser, { baseUrl: t.baseUrl }));
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await client?.close();
    await t?.close();
  });

  test('the operator signs in with the keyboard, creates a tenant, sees its key once, creates and revokes a key', async () => {
    await page.goto('/console');
    await expectHeading(page, 'Sign in');
    await shoot(page, 'sign-in');
    // The screen's heading has the focus (announced first); Tab then reaches the field.
    await expect(page.evaluate<string | undefined>('document.activeElement?.tagName')).resolves.toBe('H1');
    await page.keyboard.press('Tab');
    await expect(page.evaluate<string | undefined>('document.activeElement?.id')).resolves.toBe('sign-in-token');
    await page.keyboard.type(TEST_ADMIN_TOKEN);
    await page.keyboard.press('Enter');
    await expectHeading(page, 'Tenants');

    await page.getByLabel('Tenant name').fill('Acme');
    await page.getByRole('button', { name: 'Create tenant' }).click();
    const shownKey = page.getByLabel('API key', { exact: true });
    await shownKey.waitFor();
    const apiKey = await shownKey.inputValue();
    expect(apiKey).toMatch(/^csk_/);
    secrets.push(apiKey);
    const tenants = await operator(t).get('/api/v1/tenants');
    tenant = { id: tenants.body.find((x: { name: string }) => x.name === 'Acme').id, apiKey };
    await page.getByRole('button', { name: 'Done' }).click();
    await expectCount(shownKey, 0);

    await page.getByRole('button', { name: 'API keys of Acme' }).click();
    const keyList = page.getByRole('list', { name: 'API keys of Acme' });
    await expectCount(keyList.getByRole('listitem'), 1);
    await page.getByRole('button', { name: 'Create key' }).click();
    const secondKey = await page.getByLabel('API key', { exact: true }).inputValue();
    expect(secondKey).toMatch(/^csk_/);
    expect(secondKey).not.toBe(apiKey);
    secrets.push(secondKey);
    await keyList.getByRole('listitem').nth(1).waitFor();
    await shoot(page, 'tenants');
    await page.getByRole('button', { name: 'Done' }).click();

    // Revoke the second key (the newer one is listed last), confirming in the dialog.
    const before = await request(t.baseUrl).get('/api/v1/agents').set('authorization', `Bearer ${secondKey}`);
    expect(before.status).toBe(200);
    await keyList
      .getByRole('button', { name: /^Revoke key/ })
      .nth(1)
      .click();
    const dialog = page.getByRole('dialog', { name: 'Revoke this API key?' });
    await dialog.getByRole('button', { name: 'Revoke' }).click();
    await expectCount(keyList.getByRole('listitem'), 1);
    const after = await request(t.baseUrl).get('/api/v1/agents').set('authorization', `Bearer ${secondKey}`);
    expect(after.status).toBe(401);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expectHeading(page, 'Sign in');
  }, 60_000);

  test('a tenant signs in with the key the console showed; agents are listed with id and trained', async () => {
    await asTenant(t, tenant).put('/api/v1/agents/support-bot', { title: 'Support bot', trained: true });
    await asTenant(t, tenant).put('/api/v1/agents/draft-bot', { title: 'Draft bot', trained: false });

    await page.getByLabel('API key or operator token').fill('csk_not-a-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'did not accept this key' }).waitFor();

    await page.getByLabel('API key or operator token').fill(tenant.apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expectHeading(page, 'Agents');
    const rows = page.getByRole('row');
    await page.getByRole('link', { name: 'Support bot' }).waitFor();
    const texts = await rows.allInnerTexts();
    expect(texts.some((row) => row.includes('Support bot') && row.includes('support-bot') && row.includes('Yes'))).toBe(
      true,
    );
    expect(texts.some((row) => row.includes('Draft bot') && row.includes('Not trained'))).toBe(true);
    await shoot(page, 'agents');
  });

  test("activating an untrained agent's channel shows the refusal and saves nothing", async () => {
    await page.getByRole('link', { name: 'Draft bot' }).click();
    await expectHeading(page, 'Draft bot');
    await expect(page.getByRole('tab', { name: 'Channels' }).getAttribute('aria-selected')).resolves.toBe('true');
    await expect(page.getByLabel('Channel type').inputValue()).resolves.toBe('omnichannel');
    await page.getByRole('button', { name: 'Add another channel' }).click();
    const draft = channelRegion(page, 'New channel');
    await draft.getByLabel('Title').fill('Draft site');
    await draft.getByLabel('Channel webhook: URL').fill(client.url);
    await draft.getByRole('switch', { name: 'Active' }).check();
    await draft.getByRole('button', { name: 'Save' }).click();
    await draft.getByRole('alert').filter({ hasText: 'The agent is not trained' }).waitFor();
    await draft.getByText('Nothing was saved').waitFor();
    const channels = await asTenant(t, tenant).get('/api/v1/agents/draft-bot/channels');
    expect(channels.body).toEqual([]);
    await shoot(page, 'refusal');
    await page.getByRole('link', { name: 'Agents', exact: true }).first().click();
  });

  test('a save whose checks fail shows both warnings and saves; a clean save, a repeated title, rotation, deletion', async () => {
    const dead = `http://127.0.0.1:${await refusedPort()}/chat`;
    await page.getByRole('link', { name: 'Support bot' }).click();
    await expectHeading(page, 'Support bot');
    await page.getByRole('button', { name: 'Add another channel' }).click();
    const draft = channelRegion(page, 'New channel');
    await expectCount(draft.getByText('Available after saving'), 1);
    await draft.getByLabel('Title').fill('Site chat');
    await draft.getByLabel('Channel webhook: URL').fill(dead);
    await draft.getByRole('switch', { name: 'Active' }).check();
    await draft.getByRole('button', { name: 'Save' }).click();

    const site = channelRegion(page, 'Site chat Active');
    await site.getByText("Can't reach channel").waitFor({ timeout: 20_000 });
    await site.getByText("Couldn't register agent webhook").waitFor();
    let [saved] = (await asTenant(t, tenant).get('/api/v1/agents/support-bot/channels')).body;
    expect(saved).toMatchObject({ title: 'Site chat', active: true, webhookUrl: dead, webhookTokenSet: false });
    const platformUrl = site.getByLabel('App.Chatbots webhook: URL');
    await expect(platformUrl.inputValue()).resolves.toBe(saved.platformWebhookUrl);
    await site.getByRole('button', { name: 'Copy App.Chatbots webhook URL' }).click();
    await site.getByText('Copied').waitFor();
    await expect(page.evaluate<string>('navigator.clipboard.readText()')).resolves.toBe(saved.platformWebhookUrl);
    await shoot(page, 'channels-warnings');

    // The client server comes up: URL and token are saved together, set_webhook carries the token.
    await site.getByLabel('Channel webhook: URL').fill(client.url);
    await site.getByLabel('Channel webhook: Token').fill('client-secret-token');
    secrets.push('client-secret-token');
    await site.getByRole('button', { name: 'Save' }).click();
    await site.getByText('Saved.').waitFor();
    await expectCount(site.getByText("Can't reach channel"), 0);
    await site.getByText('A token is set').waitFor();
    await expect(site.getByLabel('Channel webhook: Token').inputValue()).resolves.toBe('');
    [saved] = (await asTenant(t, tenant).get('/api/v1/agents/support-bot/channels')).body;
    expect(saved).toMatchObject({ webhookUrl: `${client.url}/`, webhookTokenSet: true, active: true });
    const setWebhook = client.requests.filter((r) => r.url === '/set_webhook');
    expect(setWebhook.at(-1)?.headers.authorization).toBe('Token client-secret-token');
    expect(setWebhook.at(-1)?.json).toEqual({ url: saved.platformWebhookUrl });

    // Titles may repeat: a second, inactive "Site chat".
    await page.getByRole('button', { name: 'Add another channel' }).click();
    const second = channelRegion(page, 'New channel');
    await second.getByLabel('Title').fill('Site chat');
    await second.getByLabel('Channel webhook: URL').fill(client.url);
    await second.getByRole('button', { name: 'Save' }).click();
    const inactive = channelRegion(page, 'Site chat Inactive');
    await inactive.getByText('Saved.').waitFor();
    const both = (await asTenant(t, tenant).get('/api/v1/agents/support-bot/channels')).body;
    expect(both.map((c: { title: string }) => c.title)).toEqual(['Site chat', 'Site chat']);
    const secondChannel = both.find((c: { id: string }) => c.id !== saved.id);
    await shoot(page, 'channels');

    // Rotate the active channel, after a confirmation that says the old URL stops working: the old URL is then
    // refused, the new one accepted.
    await site.getByRole('button', { name: 'Rotate token' }).click();
    const rotateDialog = page.getByRole('dialog', { name: 'Rotate the platform token?' });
    await rotateDialog.getByText('stops working at once').waitFor();
    await rotateDialog.getByRole('button', { name: 'Rotate token' }).click();
    await site.getByText('The platform token was rotated').waitFor();
    const rotatedUrl = await site.getByLabel('App.Chatbots webhook: URL').inputValue();
    expect(rotatedUrl).not.toBe(saved.platformWebhookUrl);
    const oldAnswer = await postEvent(t, tokenOf(saved), visitorEvent({ chatId: 7, messageId: 'old-url' }));
    expect(oldAnswer.status).toBe(400);
    const newAnswer = await postEvent(
      t,
      tokenOf({ platformWebhookUrl: rotatedUrl }),
      visitorEvent({ chatId: 7, messageId: 'new-url' }),
    );
    expect(newAnswer.status).toBe(200);

    // Cancel keeps the channel; Delete removes it.
    await inactive.getByRole('button', { name: 'Delete' }).click();
    const deleteDialog = page.getByRole('dialog', { name: 'Delete this channel?' });
    await deleteDialog.getByRole('button', { name: 'Cancel' }).click();
    await expectCount(deleteDialog, 0);
    expect(record.requests.filter((line) => /^DELETE .*\/api\/v1\/channels\//.test(line))).toEqual([]);
    expect((await asTenant(t, tenant).get(`/api/v1/channels/${secondChannel.id}`)).status).toBe(200);
    await expectCount(inactive, 1);
    await inactive.getByRole('button', { name: 'Delete' }).click();
    await page
      .getByRole('dialog', { name: 'Delete this channel?' })
      .getByRole('button', { name: 'Delete channel' })
      .click();
    await expectCount(inactive, 0);
    const gone = await asTenant(t, tenant).get(`/api/v1/channels/${secondChannel.id}`);
    expect(gone.status).toBe(404);
  }, 60_000);

  test("a channel's extensions are set, shown after a reload and stored as set; a bad length changes nothing", async () => {
    // On the Support bot screen the previous test left open. A new channel has every extension off; Strip Markdown is
    // set on the draft, so create sends it.
    await page.getByRole('button', { name: 'Add another channel' }).click();
    const draft = channelRegion(page, 'New channel');
    const draftExtensions = draft.getByRole('group', { name: 'Extensions' });
    await expect(draftExtensions.getByLabel('Send files as files').isChecked()).resolves.toBe(false);
    await expect(draftExtensions.getByLabel('Split messages longer than').inputValue()).resolves.toBe('');
    await expect(draftExtensions.getByLabel('Strip Markdown').isChecked()).resolves.toBe(false);
    await expect(draftExtensions.getByLabel('Hand chats to a human (redirect_chat)').isChecked()).resolves.toBe(false);
    await expect(draftExtensions.getByLabel('Close chats (close_chat)').isChecked()).resolves.toBe(false);
    await draft.getByLabel('Title').fill('Docs chat');
    await draft.getByLabel('Channel webhook: URL').fill(client.url);
    await draftExtensions.getByLabel('Strip Markdown').check();
    const [created] = await Promise.all([
      page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/agents/support-bot/channels')),
      draft.getByRole('button', { name: 'Save' }).click(),
    ]);
    expect(created.postDataJSON()).toMatchObject({ title: 'Docs chat', capabilities: { markdown: 'strip' } });
    await channelRegion(page, 'Docs chat Inactive').getByText('Saved.').waitFor();
    const listed = (await asTenant(t, tenant).get('/api/v1/agents/support-bot/channels')).body;
    const { id } = listed.find((c: { title: string }) => c.title === 'Docs chat') as { id: string };
    const stored = async () => (await asTenant(t, tenant).get(`/api/v1/channels/${id}`)).body;
    expect((await stored()).capabilities).toEqual({
      files: 'link',
      maxMessageLength: null,
      markdown: 'strip',
      redirectChat: false,
      closeChat: false,
    });

    // Files as files and a length, with a new title: one PATCH with only what changed.
    let docs = channelRegion(page, 'Docs chat Inactive');
    await docs.getByLabel('Send files as files').check();
    await docs.getByLabel('Split messages longer than').fill('500');
    await docs.getByLabel('Title').fill('Help chat');
    const [patched] = await Promise.all([
      page.waitForRequest((r) => r.method() === 'PATCH'),
      docs.getByRole('button', { name: 'Save' }).click(),
    ]);
    expect(patched.postDataJSON()).toEqual({
      title: 'Help chat',
      capabilities: { files: 'file', maxMessageLength: 500 },
    });
    docs = channelRegion(page, 'Help chat Inactive');
    await docs.getByText('Saved.').waitFor();

    await page.reload();
    await expectHeading(page, 'Support bot');
    const extensions = docs.getByRole('group', { name: 'Extensions' });
    await expect(extensions.getByLabel('Send files as files').isChecked()).resolves.toBe(true);
    await expect(extensions.getByLabel('Split messages longer than').inputValue()).resolves.toBe('500');
    await expect(extensions.getByLabel('Strip Markdown').isChecked()).resolves.toBe(true);
    await expect(channelRegion(page, 'Site chat Active').getByLabel('Strip Markdown').isChecked()).resolves.toBe(false);
    await shoot(page, 'channels-extensions');
    const set = { files: 'file', maxMessageLength: 500, markdown: 'strip' };
    expect(await stored()).toMatchObject({ title: 'Help chat', capabilities: set });

    // A length of 0, with a title: the API's sentence and detail are shown, nothing is saved.
    await docs.getByLabel('Split messages longer than').fill('0');
    await docs.getByLabel('Title').fill('Renamed chat');
    await docs.getByRole('button', { name: 'Save' }).click();
    const refusal = docs.getByRole('alert');
    await refusal.getByText('check capabilities.maxMessageLength').waitFor();
    await refusal.getByText('maxMessageLength must not be less than 1').waitFor();
    expect(await stored()).toMatchObject({ title: 'Help chat', capabilities: set });
    await expectCount(channelRegion(page, 'Help chat Inactive'), 1);

    // Text the number field cannot read is refused by the console itself: no request.
    const patches = () => record.requests.filter((line) => line.startsWith('PATCH ')).length;
    const before = patches();
    await docs.getByLabel('Split messages longer than').fill('');
    await docs.getByLabel('Split messages longer than').pressSequentially('1e');
    await docs.getByRole('button', { name: 'Save' }).click();
    await docs.getByRole('alert').getByText('enter a whole number of characters from 1 to 65536').waitFor();
    expect(patches()).toBe(before);

    // Empty removes the limit and keeps the other extensions.
    await docs.getByLabel('Split messages longer than').fill('');
    await docs.getByLabel('Title').fill('Help chat');
    const [cleared] = await Promise.all([
      page.waitForRequest((r) => r.method() === 'PATCH'),
      docs.getByRole('button', { name: 'Save' }).click(),
    ]);
    expect(cleared.postDataJSON()).toEqual({ capabilities: { maxMessageLength: null } });
    await docs.getByText('Saved.').waitFor();
    await expectCount(docs.getByRole('alert'), 0);
    expect((await stored()).capabilities).toEqual({
      files: 'file',
      maxMessageLength: null,
      markdown: 'strip',
      redirectChat: false,
      closeChat: false,
    });

    // The later tests (and screenshots) see Support bot with its one channel again.
    await asTenant(t, tenant).delete(`/api/v1/channels/${id}`).expect(204);
    await page.reload();
    await expectHeading(page, 'Support bot');
    await channelRegion(page, 'Site chat Active').waitFor();
    await expectCount(channelRegion(page, 'Help chat Inactive'), 0);
  }, 60_000);

  test('a chat whose reply failed is retried to delivered; the Agent writes first', async () => {
    const [channel] = (await asTenant(t, tenant).get('/api/v1/agents/support-bot/channels')).body;
    client.respondWith((r) =>
      r.url === '/send_message' ? { status: 503, body: { error: 'down for a moment' } } : { status: 200, body: {} },
    );
    // The client server posts to the App.Chatbots webhook URL exactly as the console showed it.
    const shown = await channelRegion(page, 'Site chat Active').getByLabel('App.Chatbots webhook: URL').inputValue();
    expect(shown).toBe(channel.platformWebhookUrl);
    const accepted = await fetch(shown, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(visitorEvent({ chatId: 1042, messageId: 'hello-1', text: 'hello' })),
    });
    expect(accepted.status).toBe(200);

    const site = channelRegion(page, 'Site chat Active');
    await site.getByRole('link', { name: 'Chats' }).click();
    await expectHeading(page, 'Chats of Site chat');
    await page.getByRole('link', { name: 'Chat 1042' }).waitFor();
    await shoot(page, 'chats');
    await page.getByRole('link', { name: 'Chat 1042' }).click();
    await expectHeading(page, 'Chat 1042');
    const reply = page.getByRole('listitem', { name: 'Agent message, failed' });
    await reply.waitFor({ timeout: 30_000 });
    await reply.getByText('Echo: hello').waitFor();
    await reply.getByText('HTTP 503').waitFor();
    await page.getByRole('listitem', { name: 'Visitor message, answered' }).getByText('hello').waitFor();
    await shoot(page, 'chat-failed');

    client.respondWith(() => ({ status: 200, body: {} }));
    const sentBefore = sendMessages(client).length;
    await reply.getByRole('button', { name: 'Retry' }).click();
    await page.getByRole('listitem', { name: 'Agent message, delivered' }).waitFor({ timeout: 30_000 });
    const delivered = sendMessages(client).slice(sentBefore);
    expect(delivered.map((r) => (r.json as { message: { text: string } }).message.text)).toEqual(['Echo: hello']);

    await page.getByLabel('Message from the Agent').fill('Anything else I can do?');
    await page.getByRole('button', { name: 'Send' }).click();
    await eventually(() =>
      sendMessages(client).some(
        (r) => (r.json as { message: { text?: string } }).message.text === 'Anything else I can do?',
      )
        ? true
        : undefined,
    );
    await page.getByRole('listitem', { name: 'Agent message, delivered' }).nth(1).waitFor({ timeout: 15_000 });
    await shoot(page, 'chat');
  }, 90_000);

  test("the Agent's actions in a chat: a handover sent (redirectChat turned on here), a closing skipped with its reason", async () => {
    const [channel] = (await asTenant(t, tenant).get('/api/v1/agents/support-bot/channels')).body;
    const stored = async () => (await asTenant(t, tenant).get(`/api/v1/channels/${channel.id}`)).body;
    expect((await stored()).capabilities).toMatchObject({ redirectChat: false, closeChat: false });
    await page.goto('/console/#/agents/support-bot');
    await expectHeading(page, 'Support bot');
    const site = channelRegion(page, 'Site chat Active');
    const extensions = site.getByRole('group', { name: 'Extensions' });
    const redirect = extensions.getByLabel('Hand chats to a human (redirect_chat)');
    const close = extensions.getByLabel('Close chats (close_chat)');
    await expect(redirect.isChecked()).resolves.toBe(false);
    await expect(close.isChecked()).resolves.toBe(false);
    await redirect.check();
    const [patched] = await Promise.all([
      page.waitForRequest((r) => r.method() === 'PATCH'),
      site.getByRole('button', { name: 'Save' }).click(),
    ]);
    expect(patched.postDataJSON()).toEqual({ capabilities: { redirectChat: true } });
    await site.getByText('Saved.').waitFor();
    expect((await stored()).capabilities).toMatchObject({ redirectChat: true, closeChat: false });
    await page.reload();
    await expectHeading(page, 'Support bot');
    await expect(redirect.isChecked()).resolves.toBe(true);
    await expect(close.isChecked()).resolves.toBe(false);

    // The echo agent answers /operator with a handover to the general queue, /close with a closing.
    const chatId = 1043;
    const echoed = (text: string) =>
      sendMessages(client).some((r) => {
        const json = r.json as { chat_id: unknown; message: { text?: string } };
        return json.chat_id === chatId && json.message.text === `Echo: ${text}`;
      });
    for (const text of ['/operator', '/close']) {
      await postEvent(
        t,
        tokenOf(channel),
        visitorEvent({ chatId, visitorId: 'v-actions', messageId: `m-${text}`, text }),
      ).expect(200);
      await eventually(() => (echoed(text) ? true : undefined));
    }
    await eventually(() => (client.requests.some((r) => r.url.startsWith('/redirect_chat')) ? true : undefined));

    await page.goto(`/console/#/channels/${channel.id}/chats`);
    await expectHeading(page, 'Chats of Site chat');
    await page.getByRole('link', { name: `Chat ${chatId}` }).click();
    await expectHeading(page, `Chat ${chatId}`);
    await page
      .getByRole('listitem', { name: 'Agent message, delivered' })
      .filter({ hasText: 'Handed to the general queue' })
      .waitFor({ timeout: 30_000 });
    const skipped = page.getByRole('listitem', { name: 'Agent message, skipped' });
    await skipped.getByText('Chat closed').waitFor({ timeout: 15_000 });
    await skipped.getByText('capabilities.closeChat is off').waitFor();
    await expectCount(skipped, 1);
    expect(client.requests.filter((r) => r.url.startsWith('/close_chat'))).toEqual([]);
    await shoot(page, 'chat-actions');

    // The later tests see Site chat as before.
    await asTenant(t, tenant)
      .patch(`/api/v1/channels/${channel.id}`, { capabilities: { redirectChat: false } })
      .expect(200);
  }, 60_000);

  test('a chat the client server closed shows closed in the list and on its screen; a visitor message opens it again', async () => {
    const [channel] = (await asTenant(t, tenant).get('/api/v1/agents/support-bot/channels')).body;
    const token = tokenOf(channel);
    const chatId = 1044;
    const stateOf = async () => {
      const { items } = (await asTenant(t, tenant).get(`/api/v1/channels/${channel.id}/chats`)).body;
      const chat = items.find((one: { clientChatId: unknown }) => one.clientChatId === chatId);
      return { state: chat.state, closedBy: chat.closedBy, closed: chat.closedAt !== null };
    };
    const echoed = (text: string) =>
      sendMessages(client).some((r) => {
        const json = r.json as { chat_id: unknown; message: { text?: string } };
        return json.chat_id === chatId && json.message.text === `Echo: ${text}`;
      });
    await postEvent(
      t,
      token,
      visitorEvent({ chatId, visitorId: 'v-closing', messageId: 'm-close-1', text: 'bye' }),
    ).expect(200);
    await eventually(() => (echoed('bye') ? true : undefined));
    await postEvent(t, token, { event: 'chat_closed', chat_id: chatId }).expect(200);
    await expect(stateOf()).resolves.toEqual({ state: 'closed', closedBy: 'client', closed: true });

    // The list marks it Closed in words; the other chats stay unmarked.
    await page.goto(`/console/#/channels/${channel.id}/chats`);
    await expectHeading(page, 'Chats of Site chat');
    const rowOf = (id: number) =>
      page.getByRole('row').filter({ has: page.getByRole('link', { name: `Chat ${id}`, exact: true }) });
    await rowOf(chatId).getByText('Closed', { exact: true }).waitFor();
    await rowOf(1042).waitFor();
    await expectCount(rowOf(1042).getByText('Closed', { exact: true }), 0);
    await expectCount(page.getByRole('row').getByText('Closed', { exact: true }), 1);

    // Its screen says who closed it and when, and shows the client server's event in words.
    await rowOf(chatId).getByRole('link').click();
    await expectHeading(page, `Chat ${chatId}`);
    const closedLine = page.getByText(/^Closed by the client server at /);
    await closedLine.waitFor();
    await expectCount(closedLine.locator('time'), 1);
    await expectCount(page.getByText('Open', { exact: true }), 0);
    const event = page.getByRole('listitem', { name: /^Client server event, (received|answered)$/ });
    await event.getByText('The client server closed the chat').waitFor({ timeout: 15_000 });
    await event.getByText('chat_closed').waitFor();
    await expectCount(event, 1);
    // The runtime is told of it in the chat's order: it ends answered.
    await page.getByRole('listitem', { name: 'Client server event, answered' }).waitFor({ timeout: 30_000 });
    await page.getByRole('listitem', { name: 'Visitor message, answered' }).getByText('bye').waitFor();
    await shoot(page, 'chat-closed');

    // The next visitor message opens it again: the screen (on its refresh) and the list say so.
    await postEvent(
      t,
      token,
      visitorEvent({ chatId, visitorId: 'v-closing', messageId: 'm-close-2', text: 'back' }),
    ).expect(200);
    await page.getByText('Open', { exact: true }).waitFor({ timeout: 15_000 });
    await expectCount(closedLine, 0);
    await page
      .getByRole('listitem', { name: /^Visitor message, / })
      .getByText('back')
      .waitFor();
    await expect(stateOf()).resolves.toEqual({ state: 'open', closedBy: null, closed: false });
    await page.getByRole('link', { name: 'Chats', exact: true }).click();
    await expectHeading(page, 'Chats of Site chat');
    await rowOf(chatId).waitFor();
    await expectCount(page.getByRole('row').getByText('Closed', { exact: true }), 0);
    await eventually(() => (echoed('back') ? true : undefined));
  }, 60_000);

  test('at 360 px wide every screen fits without sideways scrolling', async () => {
    const [channel] = (await asTenant(t, tenant).get('/api/v1/agents/support-bot/channels')).body;
    await page.setViewportSize({ width: 360, height: 780 });
    const [chat] = (await asTenant(t, tenant).get(`/api/v1/channels/${channel.id}/chats`)).body.items;
    const screens = ['#/agents', '#/agents/support-bot', `#/channels/${channel.id}/chats`];
    for (const hash of [...screens, `#/channels/${channel.id}/chats/${chat.id}`]) {
      await page.goto(`/console/${hash}`);
      await page.locator('main h1').waitFor();
      await page.waitForLoadState('networkidle');
      const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
      expect({ hash, overflow }).toEqual({ hash, overflow: 0 });
    }
    await page.goto('/console/#/agents/support-bot');
    await page.getByLabel('Channel webhook: URL').first().waitFor();
    await shoot(page, 'channels-360px');
    await page.setViewportSize({ width: 1280, height: 860 });

    // Sign-in and the operator's tenants screen, in a tab of their own (sessionStorage is per tab).
    const phone = await openPage(browser, { baseUrl: t.baseUrl, width: 360, height: 780 });
    try {
      const fits = async (): Promise<number> =>
        phone.page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
      await phone.page.goto('/console');
      await expectHeading(phone.page, 'Sign in');
      await expect(fits()).resolves.toBe(0);
      await phone.page.getByLabel('API key or operator token').fill(TEST_ADMIN_TOKEN);
      await phone.page.getByRole('button', { name: 'Sign in' }).click();
      await expectHeading(phone.page, 'Tenants');
      await phone.page.getByRole('button', { name: 'API keys of Acme' }).click();
      await phone.page.getByRole('list', { name: 'API keys of Acme' }).waitFor();
      await expect(fits()).resolves.toBe(0);
      expect(phone.record.errors).toEqual([]);
    } finally {
      await phone.context.close();
    }
  });

  test("a visitor's data is exported, then erased from a chat screen: every chat of that visitor in the channel", async () => {
    const [channel] = (await asTenant(t, tenant).get('/api/v1/agents/support-bot/channels')).body;
    const token = tokenOf(channel);
    const echoes = (chatId: number) =>
      sendMessages(client).filter((r) => (r.json as { chat_id: unknown }).chat_id === chatId).length;
    // Two chats of v-erase, one of v-keep; each visitor message gets its echo, so every count below is settled.
    for (const [chatId, visitorId] of [
      [2001, 'v-erase'],
      [2002, 'v-erase'],
      [2003, 'v-keep'],
    ] as const) {
      await postEvent(t, token, visitorEvent({ chatId, visitorId, messageId: `m-${chatId}`, text: 'hi' })).expect(200);
      await eventually(() => (echoes(chatId) > 0 ? true : undefined));
    }
    const countRows = async (visitorId: string) =>
      (
        await dbQuery<{ chats: number; messages: number }>(
          t,
          `SELECT (SELECT count(*)::int FROM chats WHERE channel_id = $1 AND visitor_id = $2) AS chats,
                  (SELECT count(*)::int FROM messages m JOIN chats c ON c.id = m.chat_id
                    WHERE c.channel_id = $1 AND c.visitor_id = $2) AS messages`,
          [channel.id, visitorId],
        )
      )[0];
    const before = await countRows('v-erase');
    expect(before.chats).toBe(2);
    const kept = await countRows('v-keep');

    await page.goto(`/console/#/channels/${channel.id}/chats`);
    await expectHeading(page, 'Chats of Site chat');
    await page.getByRole('link', { name: 'Chat 2001' }).click();
    await expectHeading(page, 'Chat 2001');
    const visitor = page.getByRole('region', { name: 'Visitor data' });
    await visitor.getByText('v-erase').waitFor();

    // The export carries the bearer token, so it is fetched and saved as a file: both chats, with their messages.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      visitor.getByRole('button', { name: 'Export visitor data' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('visitor-v-erase.json');
    const exported = JSON.parse(readFileSync(await download.path(), 'utf8')) as {
      visitorId: string;
      chats: { chatId: unknown; messages: unknown[] }[];
    };
    expect(exported.visitorId).toBe('v-erase');
    expect(exported.chats.map((chat) => chat.chatId)).toEqual([2001, 2002]);
    expect(exported.chats.reduce((sum, chat) => sum + chat.messages.length, 0)).toBe(before.messages);

    // The confirmation says what goes: every chat of the visitor in this channel. Cancel keeps everything.
    await visitor.getByRole('button', { name: 'Erase visitor' }).click();
    let dialog = page.getByRole('dialog', { name: "Erase this visitor's data?" });
    await dialog.getByText('Every chat of visitor v-erase in this channel is erased').waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expectCount(dialog, 0);
    expect(record.requests.filter((line) => /^DELETE .*\/visitors\//.test(line))).toEqual([]);
    await visitor.getByRole('button', { name: 'Erase visitor' }).click();
    dialog = page.getByRole('dialog', { name: "Erase this visitor's data?" });
    await dialog.getByRole('button', { name: 'Erase visitor' }).click();

    await expectHeading(page, 'Chats of Site chat');
    await page
      .getByRole('status')
      .filter({ hasText: `Visitor v-erase was erased: 2 chats and ${before.messages} messages removed.` })
      .waitFor();
    await page.getByRole('link', { name: 'Chat 2003' }).waitFor();
    await page.getByRole('link', { name: 'Chat 1042' }).waitFor();
    await expectCount(page.getByRole('link', { name: /^Chat 200[12]$/ }), 0);
    const listed = (await asTenant(t, tenant).get(`/api/v1/channels/${channel.id}/chats`)).body.items;
    expect(listed.filter((chat: { visitorId: string }) => chat.visitorId === 'v-erase')).toEqual([]);
    await expect(countRows('v-erase')).resolves.toEqual({ chats: 0, messages: 0 });
    await expect(countRows('v-keep')).resolves.toEqual(kept);
  }, 60_000);

  test('the tenant deletes an agent after a confirmation: it and its channels are gone, the agents list opens', async () => {
    await asTenant(t, tenant).put('/api/v1/agents/old-bot', { title: 'Old bot', trained: true });
    const channel = await makeChannel(t, tenant, 'old-bot', { title: 'Old site', webhookUrl: client.url });
    await page.goto('/console/#/agents');
    await page.getByRole('link', { name: 'Old bot' }).click();
    await expectHeading(page, 'Old bot');
    await channelRegion(page, 'Old site Inactive').waitFor();

    await page.getByRole('button', { name: 'Delete agent' }).click();
    let dialog = page.getByRole('dialog', { name: 'Delete this agent?' });
    await dialog.getByText('is deleted with all its channels').waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expectCount(dialog, 0);
    expect((await asTenant(t, tenant).get('/api/v1/agents/old-bot')).status).toBe(200);

    await page.getByRole('button', { name: 'Delete agent' }).click();
    dialog = page.getByRole('dialog', { name: 'Delete this agent?' });
    await dialog.getByRole('button', { name: 'Delete agent' }).click();
    await expectHeading(page, 'Agents');
    await page.getByRole('status').filter({ hasText: 'The agent “Old bot” was deleted with its channels.' }).waitFor();
    await page.getByRole('link', { name: 'Support bot' }).waitFor();
    await expectCount(page.getByRole('link', { name: 'Old bot' }), 0);
    expect(new URL(page.url()).hash).toBe('#/agents');
    expect((await asTenant(t, tenant).get('/api/v1/agents/old-bot')).status).toBe(404);
    expect((await asTenant(t, tenant).get(`/api/v1/channels/${String(channel.id)}`)).status).toBe(404);
    const [row] = await dbQuery<{ live: number }>(
      t,
      `SELECT count(*)::int AS live FROM agents WHERE tenant_id = $1 AND agent_id = 'old-bot' AND deleted_at IS NULL`,
      [tenant.id],
    );
    expect(row.live).toBe(0);
  });

  test("the operator sets a tenant's retention (a bad value refused), returns it to the default, deletes a tenant", async () => {
    const globex = await makeTenant(t, 'Globex');
    secrets.push(globex.apiKey);
    const tenantRow = async (name: string) =>
      (await operator(t).get('/api/v1/tenants')).body.find((x: { name: string }) => x.name === name);
    const ownSeconds = async (): Promise<number | null> =>
      (
        await dbQuery<{ seconds: number | null }>(
          t,
          'SELECT message_retention_seconds AS seconds FROM tenants WHERE id = $1',
          [tenant.id],
        )
      )[0].seconds;
    const defaultRetention = (await tenantRow('Acme')).messageRetention as string;

    // The operator's screen, in a tab of its own (the tenant stays signed in on the first one).
    const admin = await openPage(browser, { baseUrl: t.baseUrl });
    try {
      const p = admin.page;
      await p.goto('/console');
      await p.getByLabel('API key or operator token').fill(TEST_ADMIN_TOKEN);
      await p.getByRole('button', { name: 'Sign in' }).click();
      await expectHeading(p, 'Tenants');
      const acme = p.getByRole('listitem').filter({ has: p.getByRole('heading', { name: 'Acme' }) });
      await acme.getByText(`Message retention: ${defaultRetention} default`).waitFor();
      await expect(acme.getByLabel('Message retention').inputValue()).resolves.toBe('');
      await expectCount(acme.getByRole('button', { name: 'Use the default retention for Acme' }), 0);

      await acme.getByLabel('Message retention').fill('7d');
      await acme.getByRole('button', { name: 'Save the retention of Acme' }).click();
      await acme.getByRole('status').filter({ hasText: "Saved: Acme's ended messages are kept 7d." }).waitFor();
      await acme.getByText('Message retention: 7d set for this tenant').waitFor();
      expect(await tenantRow('Acme')).toMatchObject({ messageRetention: '7d', messageRetentionSource: 'tenant' });
      await expect(ownSeconds()).resolves.toBe(7 * 86_400);

      // A value the API refuses: its sentence and field detail are shown, nothing changes.
      await acme.getByLabel('Message retention').fill('2 weeks');
      await acme.getByRole('button', { name: 'Save the retention of Acme' }).click();
      const refusal = acme.getByRole('alert');
      await refusal.getByText('check messageRetention').waitFor();
      await refusal.getByText(/messageRetention must be a whole number and a unit d, h, m or s/).waitFor();
      expect(await tenantRow('Acme')).toMatchObject({ messageRetention: '7d', messageRetentionSource: 'tenant' });
      await expect(ownSeconds()).resolves.toBe(7 * 86_400);

      // Use default sends null: the service default applies again.
      await acme.getByRole('button', { name: 'Use the default retention for Acme' }).click();
      await acme.getByText(`Message retention: ${defaultRetention} default`).waitFor();
      await expectCount(refusal, 0);
      await expect(acme.getByLabel('Message retention').inputValue()).resolves.toBe('');
      expect(await tenantRow('Acme')).toMatchObject({
        messageRetention: defaultRetention,
        messageRetentionSource: 'default',
      });
      await expect(ownSeconds()).resolves.toBeNull();

      // Delete Globex after the confirmation (Cancel first keeps it).
      const globexItem = p.getByRole('listitem').filter({ has: p.getByRole('heading', { name: 'Globex' }) });
      await globexItem.getByRole('button', { name: 'Delete tenant Globex' }).click();
      let dialog = p.getByRole('dialog', { name: 'Delete this tenant?' });
      await dialog.getByText('its API keys stop working at once').waitFor();
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await expectCount(dialog, 0);
      expect(await tenantRow('Globex')).toBeDefined();
      await globexItem.getByRole('button', { name: 'Delete tenant Globex' }).click();
      dialog = p.getByRole('dialog', { name: 'Delete this tenant?' });
      await dialog.getByRole('button', { name: 'Delete tenant' }).click();
      await p.getByRole('status').filter({ hasText: 'Globex was deleted' }).waitFor();
      await expectCount(globexItem, 0);
      await expectCount(p.getByRole('heading', { name: 'Acme' }), 1);
      expect(await tenantRow('Globex')).toBeUndefined();
      const refused = await request(t.baseUrl).get('/api/v1/agents').set('authorization', `Bearer ${globex.apiKey}`);
      expect(refused.status).toBe(401);
      const [row] = await dbQuery<{ live: number }>(
        t,
        'SELECT count(*)::int AS live FROM tenants WHERE id = $1 AND deleted_at IS NULL',
        [globex.id],
      );
      expect(row.live).toBe(0);
      expect(admin.record.errors).toEqual([]);
    } finally {
      await admin.context.close();
    }
  }, 60_000);

  test('sign out clears the key; it was never in a URL, localStorage or a log line', async () => {
    await page.goto('/console/#/agents');
    await expectHeading(page, 'Agents');
    await expect(page.evaluate<string[]>('Object.keys(sessionStorage)')).resolves.toHaveLength(1);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expectHeading(page, 'Sign in');
    await expect(
      page.evaluate<unknown[]>('[sessionStorage.length, localStorage.length, document.cookie]'),
    ).resolves.toEqual([0, 0, '']);
    await page.reload();
    await expectHeading(page, 'Sign in');

    for (const secret of secrets) {
      expect(record.requestedUrls.filter((url) => url.includes(secret))).toEqual([]);
      expect(t.logs.filter((line) => line.includes(secret))).toEqual([]);
    }
    expect(record.errors).toEqual([]);
  });
});
