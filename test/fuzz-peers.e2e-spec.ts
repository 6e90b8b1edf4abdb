import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { asTenant, makeAgent, makeChannel, makeTenant, type TestTenant } from './support/admin-api.js';
import { startFakeClientServer, type FakeClientServer, type RecordedRequest } from './support/fake-client-server.js';
import { dbQuery, postEvent, tokenOf, visitorEvent } from './support/inbound.js';
import {
  eventually,
  sendMessages,
  startFakeAgentRuntime,
  agentEcho,
  type FakeAgentRuntime,
} from './support/outbound.js';
import { ruleBreakingText } from './support/hostile-text.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/** Text a careless or hostile peer may send: half surrogate pairs, NUL, emoji runs a cut could split, huge runs. */
const hostileText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  ruleBreakingText,
  fc.nat({ max: 700 }).map((count) => `x${'😀'.repeat(count)}`),
  fc.constantFrom('', ' ', '\ud83d', '\ude00😀', 'é'.repeat(70_000)),
);

function nested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let level = 0; level < depth; level += 1) value = { replies: value };
  return value;
}

/** What the Agent runtime answers to one call: mostly wrong in some way, sometimes right. */
const agentAnswer = fc.oneof(
  hostileText.map((text) => ({ status: 200, body: { replies: [{ text }] } })),
  fc
    .tuple(hostileText, hostileText)
    .map(([id, text]) => ({ status: 200, body: { replies: [{ text: 'pick one', buttons: [[{ id, text }]] }] } })),
  fc
    .tuple(hostileText, hostileText)
    .map(([url, name]) => ({ status: 200, body: { replies: [{ file: { url, name } }] } })),
  fc.jsonValue({ maxDepth: 3 }).map((body) => ({ status: 200, body })),
  fc.nat({ max: 3000 }).map((depth) => ({ status: 200, body: nested(depth) })),
  fc
    .tuple(fc.constantFrom(301, 400, 404, 429, 500, 503), fc.jsonValue({ maxDepth: 2 }))
    .map(([status, body]) => ({ status, body })),
  fc.constant({ status: 200, body: { replies: [{ text: 'a good answer' }] } }),
);

type ClientAnswer = (request: RecordedRequest) => { status: number; body?: unknown; headers?: Record<string, string> };

/** What the client server answers to one send_message: odd statuses and bodies, echoed secrets, bad Retry-After. */
const clientAnswer: fc.Arbitrary<ClientAnswer> = fc.oneof(
  fc
    .tuple(fc.constantFrom(200, 201, 204, 299, 301, 400, 401, 404, 413, 429, 500, 503), hostileText)
    .map(([status, text]): ClientAnswer => () => ({ status, body: text })),
  fc.constantFrom(401, 403, 500).map((status): ClientAnswer => (request) => ({
    status,
    body: `got ${String(request.headers.authorization)} from ${request.url}`,
  })),
  fc
    .tuple(fc.constantFrom(429, 503), fc.constantFrom('0', '1', '-5', 'soon', '1e3', ''))
    .map(([status, retryAfter]): ClientAnswer => () => ({ status, body: {}, headers: { 'retry-after': retryAfter } })),
  fc
    .nat({ max: 2000 })
    .map((count): ClientAnswer => () => ({ status: 200, body: { ok: true, padding: '😀'.repeat(count) } })),
);

const WEBHOOK_TOKEN = 'WHT-fuzz-peer-secret-0123456789';
const CHATS = 6;
const PER_CHAT = 2;

describe('fuzz: nothing a client server or an Agent runtime answers can block a chat or leak a secret', () => {
  let t: TestApp;
  let acme: TestTenant;
  let client: FakeClientServer;
  let runtime: FakeAgentRuntime;
  let run = 0;

  beforeAll(async () => {
    client = await startFakeClientServer();
    runtime = await startFakeAgentRuntime();
    t = await startTestApp({ env: { AGENT_RUNTIME_URL: runtime.url, LOG_LEVEL: 'warn' } });
    acme = await makeTenant(t);
    await makeAgent(t, acme);
  });

  afterAll(async () => {
    await t?.close();
    await runtime?.close();
    await client?.close();
  });

  it('every message ends delivered, answered or failed; afterwards each chat still serves the next message in order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(agentAnswer, { minLength: 1, maxLength: 12 }),
        fc.array(clientAnswer, { minLength: 1, maxLength: 12 }),
        async (agentAnswers, clientAnswers) => {
          run += 1;
          t.logs.length = 0;
          const channel = await makeChannel(t, acme, 'a-1', {
            webhookUrl: `${client.url}/run-${run}`,
            webhookToken: WEBHOOK_TOKEN,
            active: true,
          });
          const channelId = String(channel.id);
          const token = tokenOf(channel);
          let agentCalls = 0;
          let clientCalls = 0;
          runtime.respondWith(() => agentAnswers[agentCalls++ % agentAnswers.length]);
          client.respondWith((request) =>
            request.url.endsWith('/send_message')
              ? clientAnswers[clientCalls++ % clientAnswers.length](request)
              : { status: 200, body: {} },
          );

          for (let m = 1; m <= PER_CHAT; m += 1)
            await Promise.all(
              Array.from({ length: CHATS }, (_, chat) =>
                postEvent(
                  t,
                  token,
                  visitorEvent({ chatId: chat, messageId: `r${run}-c${chat}-m${m}`, text: `m${m}` }),
                ).expect(200),
              ),
            );
          // The delivery policy settles every message (test retry delays: 200, 400, 800 ms): none is left waiting.
          await eventually(
            async () => {
              const [row] = await dbQuery<{ open: number }>(
                t,
                `SELECT count(*)::int AS open FROM messages WHERE channel_id = $1 AND status IN ('received', 'queued')`,
                [channelId],
              );
              return row.open === 0 ? true : undefined;
            },
            30_000,
            `run ${run}: every message settled`,
          );

          // Then the peers behave: each chat serves its next message, in order after what came before.
          runtime.respondWith(agentEcho);
          client.respondWith(() => ({ status: 200, body: {} }));
          const sentBefore = sendMessages(client).length;
          await Promise.all(
            Array.from({ length: CHATS }, (_, chat) =>
              postEvent(
                t,
                token,
                visitorEvent({ chatId: chat, messageId: `r${run}-c${chat}-after`, text: 'after' }),
              ).expect(200),
            ),
          );
          await eventually(
            () => {
              const after = sendMessages(client)
                .slice(sentBefore)
                .filter((request) => request.url === `/run-${run}/send_message`)
                .filter(
                  (request) => (request.json as { message?: { text?: string } }).message?.text === 'Agent: after',
                );
              return new Set(after.map((request) => (request.json as { chat_id: number }).chat_id)).size === CHATS
                ? true
                : undefined;
            },
            15_000,
            `run ${run}: every chat's next reply`,
          );

          // No echoed webhook token in what the admin API shows, nor in any log line; no handler ever threw.
          for (let chat = 0; chat < CHATS; chat += 1) {
            const res = await asTenant(t, acme).get(`/api/v1/channels/${channelId}/chats/${chat}/messages?limit=100`);
            expect(res.status).toBe(200);
            expect(JSON.stringify(res.body)).not.toContain(WEBHOOK_TOKEN);
          }
          expect(t.logs.join('')).not.toContain(WEBHOOK_TOKEN);
          expect(t.logs.filter((line) => /"level":(50|60)/.test(line))).toEqual([]);
        },
      ),
      { numRuns: 6 },
    );
  }, 240_000);
});
