import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { DataLifecycleWorker } from '#conversations';
import {
  asTenant,
  listMessages,
  makeActiveChannel,
  makeAgent,
  makeTenant,
  operator,
  type TestTenant,
} from './support/admin-api.js';
import { startFakeClientServer, type FakeClientServer } from './support/fake-client-server.js';
import { dbQuery, postEvent, visitorEvent } from './support/inbound.js';
import { eventually, sendMessages, startFakeAgentRuntime } from './support/outbound.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const NO_ACTIVE_CHANNEL = { error: 'There is no active channel for received event.' };

describe('data lifecycle: retention, erasure, export, offboarding (docs/operations.md, Data lifecycle)', () => {
  let t: TestApp;
  let client: FakeClientServer;
  let seq = 0;
  /** Chats whose send_message the client server refuses with 503 (their replies wait in backoff). */
  const refusing = new Set<unknown>();

  const sweep = () => t.app.get(DataLifecycleWorker).sweep();
  const sendsFor = (chatId: unknown) =>
    sendMessages(client).filter((sent) => (sent.json as { chat_id: unknown }).chat_id === chatId);
  const channelOf = (tenant: TestTenant, agentId = 'a-1') =>
    makeActiveChannel(t, tenant, agentId, { webhookUrl: `${client.url}/hooks` });
  const unique = (prefix: string): string => `${prefix}-${(seq += 1)}`;

  /** Posts a visitor message and waits until its echo reached the client server (or, refused, was tried once). */
  async function converse(token: string, chatId: string, visitorId: string, text = 'hello'): Promise<void> {
    const before = sendsFor(chatId).length;
    await postEvent(t, token, visitorEvent({ chatId, visitorId, messageId: unique('m'), text })).expect(200);
    await eventually(() => (sendsFor(chatId).length > before ? true : undefined));
  }

  /** Every row the tenant owns, straight from the database. */
  async function rowsOf(tenantId: string) {
    const [row] = await dbQuery<Record<string, number>>(
      t,
      `SELECT (SELECT count(*)::int FROM tenants WHERE id = $1) AS tenants,
              (SELECT count(*)::int FROM api_keys WHERE tenant_id = $1) AS "apiKeys",
              (SELECT count(*)::int FROM agents WHERE tenant_id = $1) AS agents,
              (SELECT count(*)::int FROM channels WHERE tenant_id = $1) AS channels,
              (SELECT count(*)::int FROM chats WHERE tenant_id = $1) AS chats,
              (SELECT count(*)::int FROM messages WHERE tenant_id = $1) AS messages`,
      [tenantId],
    );
    return row;
  }

  /** Makes a chat and its messages look `hours` old. */
  async function age(chatClientId: string, hours: number): Promise<void> {
    await dbQuery(
      t,
      `WITH c AS (UPDATE chats SET last_message_at = now() - $2::int * interval '1 hour', created_at = now() - $2::int * interval '1 hour'
                  WHERE client_chat_id = $1 RETURNING id)
       UPDATE messages SET created_at = now() - $2::int * interval '1 hour' WHERE chat_id IN (SELECT id FROM c)`,
      [chatClientId, hours],
    );
  }

  beforeAll(async () => {
    t = await startTestApp({ env: { LOG_LEVEL: 'warn' } });
    client = await startFakeClientServer();
    client.respondWith((sent) =>
      refusing.has((sent.json as { chat_id?: unknown } | undefined)?.chat_id)
        ? { status: 503, body: { error: 'down' } }
        : { status: 200, body: {} },
    );
  });

  beforeEach(() => refusing.clear());

  afterAll(async () => {
    await client?.close();
    await t?.close();
  });

  describe('retention', () => {
    it("PATCH /api/v1/tenants/{id} sets, shows and clears the tenant's retention; bad values are a clear 400", async () => {
      const acme = await makeTenant(t, 'Retention');
      const listed = async () =>
        ((await operator(t).get('/api/v1/tenants')).body as { id: string }[]).find((one) => one.id === acme.id);
      expect(await listed()).toMatchObject({ messageRetention: '30d', messageRetentionSource: 'default' });

      const patch = (body: object) =>
        request(t.baseUrl)
          .patch(`/api/v1/tenants/${acme.id}`)
          .set('authorization', `Bearer ${t.config.platformAdminToken}`)
          .send(body);
      const set = await patch({ messageRetention: '7d' });
      expect(set.status).toBe(200);
      expect(set.body).toMatchObject({ id: acme.id, messageRetention: '7d', messageRetentionSource: 'tenant' });
      expect(await listed()).toMatchObject({ messageRetention: '7d', messageRetentionSource: 'tenant' });
      expect((await patch({ messageRetention: '168h' })).body.messageRetention).toBe('7d');

      for (const bad of ['7 days', '0s', '3651d', 7, '']) {
        const res = await patch({ messageRetention: bad });
        expect({ bad, status: res.status, details: res.body.details }).toEqual({
          bad,
          status: 400,
          details: [{ field: 'messageRetention', message: expect.stringContaining('a whole number and a unit') }],
        });
      }
      expect((await patch({ unknown: 1 })).status).toBe(400);
      expect(await listed()).toMatchObject({ messageRetention: '7d' });

      expect((await patch({ messageRetention: null })).body).toMatchObject({
        messageRetention: '30d',
        messageRetentionSource: 'default',
      });
      expect((await patch({ name: 'Renamed' })).body).toMatchObject({ name: 'Renamed', messageRetention: '30d' });
      const other = '5b0c0f5e-8d6a-4a53-9a43-6f0d3a1f2b7c';
      expect(
        (
          await request(t.baseUrl)
            .patch(`/api/v1/tenants/${other}`)
            .set('authorization', `Bearer ${t.config.platformAdminToken}`)
            .send({ messageRetention: '1d' })
        ).status,
      ).toBe(404);
      expect((await asTenant(t, acme).patch(`/api/v1/tenants/${acme.id}`, { messageRetention: '1d' })).status).toBe(
        403,
      );
    });

    it('the sweep deletes ended messages past the retention and emptied idle chats; a pending message of any age stays', async () => {
      const short = await makeTenant(t, 'Short');
      const long = await makeTenant(t, 'Long');
      for (const tenant of [short, long]) await makeAgent(t, tenant, 'a-1');
      await request(t.baseUrl)
        .patch(`/api/v1/tenants/${short.id}`)
        .set('authorization', `Bearer ${t.config.platformAdminToken}`)
        .send({ messageRetention: '1h' })
        .expect(200);
      const shortChannel = await channelOf(short);
      const longChannel = await channelOf(long);

      const [done, pending, recent, kept] = [unique('done'), unique('pending'), unique('recent'), unique('kept')];
      await converse(shortChannel.token, done, 'v-done');
      await converse(shortChannel.token, recent, 'v-recent');
      await converse(longChannel.token, kept, 'v-kept');
      refusing.add(pending);
      await converse(shortChannel.token, pending, 'v-pending');
      await age(done, 2);
      await age(pending, 2);
      await age(kept, 2);

      const result = await sweep();
      expect(result.messages).toBeGreaterThanOrEqual(2);
      const remaining = await dbQuery<{ chat: string; direction: string; status: string }>(
        t,
        `SELECT c.client_chat_id AS chat, m.direction, m.status FROM messages m JOIN chats c ON c.id = m.chat_id
         WHERE c.client_chat_id = ANY($1) ORDER BY c.client_chat_id, m.direction`,
        [[done, pending, recent, kept]],
      );
      // done: both messages ended 2 h ago, so they and then their idle chat are gone.
      expect(remaining.filter((row) => row.chat === done)).toEqual([]);
      // pending: the visitor message (answered) is gone, the reply waiting in backoff stays however old.
      expect(remaining.filter((row) => row.chat === pending)).toEqual([
        { chat: pending, direction: 'outbound', status: 'queued' },
      ]);
      // recent: within the retention. kept: another tenant, with the default of 30 days.
      expect(remaining.filter((row) => row.chat === recent)).toHaveLength(2);
      expect(remaining.filter((row) => row.chat === kept)).toHaveLength(2);
      const chats = await dbQuery<{ chat: string }>(
        t,
        `SELECT client_chat_id AS chat FROM chats WHERE client_chat_id = ANY($1) ORDER BY 1`,
        [[done, pending, recent, kept]],
      );
      expect(chats.map((row) => row.chat).sort()).toEqual([pending, recent, kept].sort());

      // The pending reply is still delivered once its client server takes it.
      refusing.delete(pending);
      await eventually(() => (sendsFor(pending).some((sent) => sent.answeredStatus === 200) ? true : undefined));
    });
  });

  describe('erasure and export of a visitor', () => {
    let acme: TestTenant;
    let channel: { id: string; token: string };

    beforeAll(async () => {
      acme = await makeTenant(t, 'Privacy');
      await makeAgent(t, acme, 'a-1');
      channel = await channelOf(acme);
    });

    it('exports every chat of the visitor with its variables and messages, streamed in order', async () => {
      const [first, second, stranger] = [unique('x1'), unique('x2'), unique('x3')];
      await converse(channel.token, first, 'v-export');
      await converse(channel.token, second, 'v-export', 'second chat');
      await converse(channel.token, stranger, 'v-someone-else');
      // Enough history to cross the export's pages (500 messages a query).
      await dbQuery(
        t,
        `INSERT INTO messages (tenant_id, channel_id, chat_id, direction, kind, text, status, created_at)
         SELECT c.tenant_id, c.channel_id, c.id, 'inbound', 'visitor', 'old ' || n, 'answered', now() - interval '1 day' + n * interval '1 millisecond'
         FROM chats c, generate_series(1, 1200) n WHERE c.client_chat_id = $1`,
        [first],
      );
      const res = await asTenant(t, acme).get(`/api/v1/channels/${channel.id}/visitors/v-export/export`);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const body = res.body as {
        visitorId: string;
        chats: { chatId: unknown; variables: unknown; messages: { text: string | null; createdAt: string }[] }[];
      };
      expect(body.visitorId).toBe('v-export');
      expect(body.chats.map((chat) => chat.chatId)).toEqual([first, second]);
      expect(body.chats[0].variables).toEqual({ name: 'Ann', email: 'ann@example.com' });
      expect(body.chats[0].messages).toHaveLength(1202);
      expect(body.chats[0].messages.slice(0, 2).map((m) => m.text)).toEqual(['old 1', 'old 2']);
      expect(body.chats[0].messages.slice(-2).map((m) => m.text)).toEqual(['hello', 'Echo: hello']);
      const times = body.chats[0].messages.map((m) => Date.parse(m.createdAt));
      expect([...times].sort((a, b) => a - b)).toEqual(times);
      expect(body.chats[1].messages.map((m) => m.text)).toEqual(['second chat', 'Echo: second chat']);
      expect(body.chats[0].messages[0]).toEqual(
        (await listMessages(t, acme, channel.id, first))[0] as unknown as Record<string, unknown>,
      );

      const unknown = await asTenant(t, acme).get(`/api/v1/channels/${channel.id}/visitors/nobody/export`);
      expect(unknown.body).toEqual({ visitorId: 'nobody', chats: [] });
    });

    it('erases every chat of the visitor, a reply in backoff included: nothing more is sent, and the visitor starts afresh', async () => {
      const [chat, other] = [unique('e1'), unique('e2')];
      await converse(channel.token, other, 'v-stays');
      refusing.add(chat);
      await converse(channel.token, chat, 'v-erase');
      const triedBefore = sendsFor(chat).length;
      const [chatRow] = await dbQuery<{ id: string }>(t, `SELECT id FROM chats WHERE client_chat_id = $1`, [chat]);

      const res = await asTenant(t, acme).delete(`/api/v1/channels/${channel.id}/visitors/v-erase`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ chats: 1, messages: 2 });
      expect(await dbQuery(t, `SELECT 1 FROM chats WHERE client_chat_id = $1`, [chat])).toEqual([]);
      expect(await dbQuery(t, `SELECT 1 FROM messages WHERE chat_id = $1`, [chatRow.id])).toEqual([]);

      // The retry schedule (200, 400, 800 ms) passes: the erased reply is never sent again, even with the client back.
      refusing.delete(chat);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(sendsFor(chat)).toHaveLength(triedBefore);
      expect(await listMessages(t, acme, channel.id, other)).toHaveLength(2);

      expect((await asTenant(t, acme).delete(`/api/v1/channels/${channel.id}/visitors/v-erase`)).body).toEqual({
        chats: 0,
        messages: 0,
      });
      // A later message of the same visitor.id starts a new chat with no history.
      await converse(channel.token, chat, 'v-erase', 'back again');
      const again = await listMessages(t, acme, channel.id, chat);
      expect(again.map((message) => message.text)).toEqual(['back again', 'Echo: back again']);
    });

    it("another tenant's channel is 404 for both routes, and nothing is erased", async () => {
      const other = await makeTenant(t, 'Other');
      for (const call of [
        asTenant(t, other).delete(`/api/v1/channels/${channel.id}/visitors/v-stays`),
        asTenant(t, other).get(`/api/v1/channels/${channel.id}/visitors/v-stays/export`),
      ]) {
        const res = await call;
        expect({ status: res.status, body: res.body }).toEqual({
          status: 404,
          body: { error: 'Channel not found.', code: 'NOT_FOUND' },
        });
      }
      expect(
        (await asTenant(t, acme).get(`/api/v1/channels/${channel.id}/visitors/v-stays/export`)).body.chats,
      ).toHaveLength(1);
    });
  });

  describe('concurrency', () => {
    it('two replicas sweeping at once under traffic, a retention of 1 s: no error, nothing pending lost, order kept', async () => {
      const second = await startTestApp({ database: t.database, env: { LOG_LEVEL: 'warn' } });
      try {
        const busy = await makeTenant(t, 'Busy');
        await makeAgent(t, busy, 'a-1');
        await request(t.baseUrl)
          .patch(`/api/v1/tenants/${busy.id}`)
          .set('authorization', `Bearer ${t.config.platformAdminToken}`)
          .send({ messageRetention: '1s' })
          .expect(200);
        const { token } = await channelOf(busy);
        const chats = Array.from({ length: 20 }, () => unique('stress'));
        const posted = new Map<string, string[]>(chats.map((chat) => [chat, []]));
        let trafficDone = false;
        const sweeps = { runs: 0, messages: 0, chats: 0 };
        const sweepLoop = async (app: TestApp): Promise<void> => {
          while (!trafficDone) {
            const result = await app.app.get(DataLifecycleWorker).sweep();
            sweeps.runs += 1;
            sweeps.messages += result.messages;
            sweeps.chats += result.chats;
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
        };
        const traffic = Promise.all(
          chats.map(async (chat, index) => {
            for (let n = 1; n <= 12; n += 1) {
              const text = `${chat} #${n}`;
              // Alternate replicas: each accepts, each sweeps.
              const target = (index + n) % 2 === 0 ? t : second;
              await postEvent(target, token, visitorEvent({ chatId: chat, messageId: unique('m'), text })).expect(200);
              posted.get(chat)?.push(text);
              // Some pauses outlast the retention: the chat may be swept away (emptied, idle) just as its next message comes.
              await new Promise((resolve) => setTimeout(resolve, 150 + (n % 3) * 700));
            }
          }),
        ).finally(() => (trafficDone = true));
        await Promise.all([traffic, sweepLoop(t), sweepLoop(second)]);

        const echoes = (chat: string): string[] =>
          sendsFor(chat)
            .filter((sent) => sent.answeredStatus === 200)
            .map((sent) => String((sent.json as { message: { text: string } }).message.text).replace(/^Echo: /, ''));
        await eventually(() => (chats.every((chat) => echoes(chat).length >= 12) ? true : undefined), 30_000);
        for (const chat of chats) expect(echoes(chat)).toEqual(posted.get(chat));
        expect(sweeps.messages).toBeGreaterThan(0);
        expect(sweeps.chats).toBeGreaterThan(0);
        const failures = [...t.logs, ...second.logs].filter((line) => /sweep failed|deadlock/i.test(line));
        expect(failures).toEqual([]);
      } finally {
        await second.close();
      }
    });
  });

  describe('offboarding', () => {
    it('DELETE /api/v1/tenants/{id}: 202, keys 401, webhooks 400, nothing more delivered, every row removed in the background', async () => {
      const gone = await makeTenant(t, 'Leaving');
      const stays = await makeTenant(t, 'Staying');
      for (const tenant of [gone, stays]) await makeAgent(t, tenant, 'a-1');
      const goneChannel = await channelOf(gone);
      const staysChannel = await channelOf(stays);
      const [waiting, staying] = [unique('w'), unique('s')];
      await converse(goneChannel.token, unique('d'), 'v-1');
      refusing.add(waiting);
      await converse(goneChannel.token, waiting, 'v-2');
      await converse(staysChannel.token, staying, 'v-3');
      const staysBefore = await rowsOf(stays.id);

      const res = await operator(t).delete(`/api/v1/tenants/${gone.id}`);
      // An attempt claimed before the delete committed may still arrive just after its answer (the retry schedule here
      // is 200 ms, which a slow machine can overlap with the delete): anything later would be a new claim.
      const deletedAt = Date.now() + 100;
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ id: gone.id, status: 'deleting' });

      expect((await asTenant(t, gone).get('/api/v1/agents')).status).toBe(401);
      const posted = await postEvent(t, goneChannel.token, visitorEvent({ chatId: waiting, messageId: unique('m') }));
      expect({ status: posted.status, body: posted.body }).toEqual({ status: 400, body: NO_ACTIVE_CHANNEL });
      refusing.delete(waiting);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(sendsFor(waiting).filter((sent) => sent.receivedAt > deletedAt)).toEqual([]);
      const listed = (await operator(t).get('/api/v1/tenants')).body as { id: string }[];
      expect(listed.map((one) => one.id)).not.toContain(gone.id);
      expect((await operator(t).delete(`/api/v1/tenants/${gone.id}`)).status).toBe(404);
      expect((await operator(t).post(`/api/v1/tenants/${gone.id}/api-keys`)).status).toBe(404);

      await eventually(async () => {
        await sweep();
        const rows = await rowsOf(gone.id);
        return Object.values(rows).every((n) => n === 0) ? rows : undefined;
      });
      expect(await rowsOf(stays.id)).toEqual(staysBefore);
      await converse(staysChannel.token, staying, 'v-3', 'still here');
    });

    it('DELETE /api/v1/agents/{id}: 204, the agent and its channels gone at once, their data in the background; the id is free again after', async () => {
      const acme = await makeTenant(t, 'Agents');
      await makeAgent(t, acme, 'a-old');
      await makeAgent(t, acme, 'a-new');
      const oldChannel = await channelOf(acme, 'a-old');
      const newChannel = await channelOf(acme, 'a-new');
      await converse(oldChannel.token, unique('o'), 'v-1');
      await converse(newChannel.token, unique('n'), 'v-1');

      expect((await asTenant(t, acme).delete('/api/v1/agents/a-old')).status).toBe(204);
      expect((await asTenant(t, acme).get('/api/v1/agents/a-old')).status).toBe(404);
      expect((await asTenant(t, acme).get(`/api/v1/channels/${oldChannel.id}`)).status).toBe(404);
      expect(
        ((await asTenant(t, acme).get('/api/v1/agents')).body as { agentId: string }[]).map((a) => a.agentId),
      ).toEqual(['a-new']);
      const posted = await postEvent(
        t,
        oldChannel.token,
        visitorEvent({ chatId: unique('o'), messageId: unique('m') }),
      );
      expect({ status: posted.status, body: posted.body }).toEqual({ status: 400, body: NO_ACTIVE_CHANNEL });
      expect((await asTenant(t, acme).delete('/api/v1/agents/a-old')).status).toBe(404);
      const early = await asTenant(t, acme).put('/api/v1/agents/a-old', { trained: true });
      expect({ status: early.status, code: early.body.code }).toEqual({ status: 409, code: 'CONFLICT' });

      await eventually(async () => {
        await sweep();
        const [row] = await dbQuery<{ agents: number; channels: number; chats: number }>(
          t,
          `SELECT (SELECT count(*)::int FROM agents WHERE tenant_id = $1 AND agent_id = 'a-old') AS agents,
                  (SELECT count(*)::int FROM channels WHERE id = $2) AS channels,
                  (SELECT count(*)::int FROM chats WHERE channel_id = $2) AS chats`,
          [acme.id, oldChannel.id],
        );
        return row.agents + row.channels + row.chats === 0 ? true : undefined;
      });
      expect((await asTenant(t, acme).put('/api/v1/agents/a-old', { trained: true })).status).toBe(201);
      expect(await rowsOf(acme.id)).toMatchObject({ agents: 2, channels: 1, chats: 1, messages: 2 });
    });
  });

  describe('an Agent call under way when its visitor is erased', () => {
    it('finishes, but its answer writes nothing and nothing is sent', async () => {
      const runtime = await startFakeAgentRuntime();
      const withAgent = await startTestApp({ env: { LOG_LEVEL: 'warn', AGENT_RUNTIME_URL: runtime.url } });
      try {
        runtime.respondWith(() => ({ status: 200, body: { replies: [{ text: 'a late reply' }] }, delayMs: 800 }));
        const acme = await makeTenant(withAgent, 'Slow agent');
        await makeAgent(withAgent, acme, 'a-1');
        const channel = await makeActiveChannel(withAgent, acme, 'a-1', { webhookUrl: `${client.url}/hooks` });
        const chat = unique('slow');
        await postEvent(
          withAgent,
          channel.token,
          visitorEvent({ chatId: chat, visitorId: 'v-slow', messageId: unique('m') }),
        ).expect(200);
        await eventually(() => (runtime.stats.inFlight > 0 ? true : undefined));

        const res = await asTenant(withAgent, acme).delete(`/api/v1/channels/${channel.id}/visitors/v-slow`);
        expect(res.body).toEqual({ chats: 1, messages: 1 });
        await eventually(() => (runtime.stats.inFlight === 0 ? true : undefined));
        await new Promise((resolve) => setTimeout(resolve, 500));

        expect(sendsFor(chat)).toEqual([]);
        expect(await dbQuery(withAgent, `SELECT 1 FROM chats WHERE client_chat_id = $1`, [chat])).toEqual([]);
        expect(await dbQuery(withAgent, `SELECT 1 FROM messages WHERE text = 'a late reply'`)).toEqual([]);
      } finally {
        await withAgent.close();
        await runtime.close();
      }
    });
  });
});
