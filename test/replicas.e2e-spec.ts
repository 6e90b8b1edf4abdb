import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { makeAgent, makeChannel, makeTenant } from './support/admin-api.js';
import { startFakeClientServer, type FakeClientServer, type RecordedRequest } from './support/fake-client-server.js';
import { dbQuery, postEvent, tokenOf, visitorEvent } from './support/inbound.js';
import { eventually } from './support/outbound.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const CHATS = 25;
const PER_CHAT = 8;

interface Sent {
  chat: number;
  key: string;
  text: string;
  status: number;
}

/** Every chat's deliveries, as its client server saw them: keys in order of first sight, and no key after a later one. */
function checkChatOrder(sent: Sent[], chat: number): void {
  const mine = sent.filter((request) => request.chat === chat);
  const keys: string[] = [];
  for (const request of mine) {
    if (keys.at(-1) === request.key) continue;
    expect(keys).not.toContain(request.key);
    keys.push(request.key);
  }
  const texts = keys.map((key) => mine.find((request) => request.key === key)?.text);
  expect(texts).toEqual(Array.from({ length: PER_CHAT }, (_, n) => `Echo: c${chat} m${n + 1}`));
}

describe('two replicas on one database', () => {
  let a: TestApp;
  let b: TestApp;
  let client: FakeClientServer;

  beforeAll(async () => {
    a = await startTestApp({ env: { LOG_LEVEL: 'warn' } });
    b = await startTestApp({ database: a.database, env: { LOG_LEVEL: 'warn' } });
    client = await startFakeClientServer();
  });

  afterAll(async () => {
    await b?.close();
    await a?.close();
    await client?.close();
  });

  it('deliver every message of many chats exactly once per Idempotency-Key, each chat in order, through retries', async () => {
    const sent: Sent[] = [];
    const seen = new Set<string>();
    client.respondWith((request: RecordedRequest) => {
      if (!request.url.endsWith('/send_message')) return { status: 200, body: {} };
      const body = request.json as { chat_id: number; message: { text: string } };
      const key = String(request.headers['idempotency-key']);
      // The first attempt of every 7th message fails with a 503: that message is retried while its chat waits.
      // Keyed by message, not by request: a request counter could land every attempt of one message on a
      // multiple of 7 and exhaust its retries (the test configures four attempts), which is not what this tests.
      const first = !seen.has(key);
      seen.add(key);
      const status = first && seen.size % 7 === 0 ? 503 : 200;
      sent.push({ chat: body.chat_id, key, text: body.message.text, status });
      return { status, body: {} };
    });
    const tenant = await makeTenant(a);
    await makeAgent(a, tenant);
    const token = tokenOf(await makeChannel(a, tenant, 'a-1', { webhookUrl: `${client.url}/hooks`, active: true }));

    await Promise.all(
      Array.from({ length: CHATS }, async (_, chat) => {
        for (let m = 1; m <= PER_CHAT; m += 1) {
          const replica = (chat + m) % 2 === 0 ? a : b;
          await postEvent(
            replica,
            token,
            visitorEvent({ chatId: chat, messageId: `c${chat}-m${m}`, text: `c${chat} m${m}` }),
          ).expect(200);
        }
      }),
    );
    const total = CHATS * PER_CHAT;
    try {
      await eventually(
        () => (sent.filter((request) => request.status === 200).length >= total ? true : undefined),
        60_000,
        `${total} deliveries`,
      );
    } catch (error) {
      // Normally done in about 4 s. A stall is a bug: leave the lanes' state and the warnings in the output.
      const lanes = await dbQuery(
        a,
        `SELECT c.client_chat_id, c.agent_due_at, c.agent_claimed_until, c.send_due_at, c.send_claimed_until, c.inbound_seq, c.outbound_seq, now() AS now,
        (SELECT json_agg(json_build_object('dir', m.direction, 'st', m.status, 'att', m.attempts, 'err', m.last_error) ORDER BY m.created_at) FROM messages m WHERE m.chat_id = c.id AND m.status NOT IN ('answered','delivered')) AS pending
        FROM chats c WHERE c.agent_due_at IS NOT NULL OR c.send_due_at IS NOT NULL OR EXISTS (SELECT 1 FROM messages m WHERE m.chat_id = c.id AND m.status IN ('received','queued'))`,
      );
      process.stderr.write(
        `STALL lanes ${JSON.stringify(lanes, null, 1)}\nlogs A ${a.logs
          .filter((l) => /"level":[4-6]0/.test(l))
          .slice(-20)
          .join('')}\nlogs B ${b.logs
          .filter((l) => /"level":[4-6]0/.test(l))
          .slice(-20)
          .join('')}\n`,
      );
      throw error;
    }
    // A moment more, so a duplicate delivery would have time to show.
    await new Promise((resolve) => setTimeout(resolve, 1500));

    const delivered = sent.filter((request) => request.status === 200);
    expect(delivered).toHaveLength(total);
    expect(new Set(delivered.map((request) => request.key)).size).toBe(total);
    expect(sent.filter((request) => request.status === 503).length).toBeGreaterThan(0);
    for (let chat = 0; chat < CHATS; chat += 1) checkChatOrder(sent, chat);

    const [row] = await dbQuery<{ delivered: number; other: number }>(
      a,
      `SELECT count(*) FILTER (WHERE status = 'delivered')::int AS delivered, count(*) FILTER (WHERE status <> 'delivered')::int AS other FROM messages WHERE direction = 'outbound'`,
    );
    expect(row).toEqual({ delivered: total, other: 0 });
    // Both replicas took part.
    for (const replica of [a, b]) {
      const metrics = await request(replica.baseUrl).get('/metrics');
      expect(
        Number(/outbound_deliveries_total\{outcome="delivered"\} (\d+)/.exec(metrics.text)?.[1] ?? 0),
      ).toBeGreaterThan(0);
    }
  }, 90_000);
});
