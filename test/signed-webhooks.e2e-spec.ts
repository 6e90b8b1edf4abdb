import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { asTenant, makeAgent, makeChannel, makeTenant, type TestTenant } from './support/admin-api.js';
import { startFakeClientServer, type FakeClientServer, type RecordedRequest } from './support/fake-client-server.js';
import { dbQuery, postEvent, tokenOf, visitorEvent } from './support/inbound.js';
import { eventually } from './support/outbound.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import request from 'supertest';

type Headers = Record<string, string>;

/** What a client server verifies: the three Standard Webhooks headers of a recorded request. */
function signatureHeaders(sent: RecordedRequest): Headers {
  return {
    'webhook-id': String(sent.headers['webhook-id']),
    'webhook-timestamp': String(sent.headers['webhook-timestamp']),
    'webhook-signature': String(sent.headers['webhook-signature']),
  };
}

/** True when both the specification's library and Svix's accept the request as signed with `secret`. */
function verifiesWith(secret: string, sent: RecordedRequest): { standardwebhooks: boolean; svix: boolean } {
  const attempt = (verify: () => unknown): boolean => {
    try {
      verify();
      return true;
    } catch {
      return false;
    }
  };
  const headers = signatureHeaders(sent);
  return {
    standardwebhooks: attempt(() => new StandardWebhook(secret).verify(sent.body, headers)),
    svix: attempt(() => new SvixWebhook(secret).verify(sent.body, headers)),
  };
}

const BOTH = { standardwebhooks: true, svix: true };
const NEITHER = { standardwebhooks: false, svix: false };

/** Signed requests (docs/protocol.md, "Signed requests"), checked by the Standard Webhooks and Svix libraries. */
describe('signed requests (Standard Webhooks) and signed webhooks from the client', () => {
  let t: TestApp;
  let client: FakeClientServer;
  let acme: TestTenant;
  let other: TestTenant;
  let seq = 0;

  beforeAll(async () => {
    client = await startFakeClientServer();
    t = await startTestApp({ env: { LOG_LEVEL: 'error' } });
    acme = await makeTenant(t, 'Signed');
    other = await makeTenant(t, 'Other');
    await makeAgent(t, acme, 'a-1');
  });

  afterAll(async () => {
    await t?.close();
    await client?.close();
  });

  const requestsTo = (chatId: unknown, method = 'send_message') =>
    client.requests.filter(
      (sent) =>
        sent.url.split('?')[0].endsWith(`/${method}`) &&
        (sent.json as { chat_id?: unknown } | undefined)?.chat_id === chatId,
    );

  async function signedChannel(): Promise<{ id: string; token: string; secret: string }> {
    const created = await makeChannel(t, acme, 'a-1', {
      active: true,
      webhookUrl: `${client.url}/hooks/${(seq += 1)}`,
      webhookToken: 'tok-signed',
    });
    return { id: String(created.id), token: tokenOf(created), secret: String(created.signingSecret) };
  }

  it('a channel is created with a signing secret, shown once; set_webhook and send_message are signed with it', async () => {
    const channel = await signedChannel();
    expect(channel.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const shown = await asTenant(t, acme).get(`/api/v1/channels/${channel.id}`);
    expect(shown.body).toMatchObject({ signingSecretSet: true, requireSignedWebhooks: false });
    expect(shown.body.signingSecret).toBeUndefined();
    expect(JSON.stringify(shown.body)).not.toContain(channel.secret.slice(6));

    const setWebhook = client.requests.find((sent) => sent.url === `/hooks/${seq}/set_webhook`);
    expect(setWebhook).toBeDefined();
    expect(verifiesWith(channel.secret, setWebhook as RecordedRequest)).toEqual(BOTH);

    await postEvent(t, channel.token, visitorEvent({ chatId: 'sig-1', messageId: `m-${seq}` })).expect(200);
    const [sent] = await eventually(() => (requestsTo('sig-1').length > 0 ? requestsTo('sig-1') : undefined));
    expect(verifiesWith(channel.secret, sent)).toEqual(BOTH);
    // Beside the seed's credentials, which stay.
    expect(sent.headers.authorization).toBe('Token tok-signed');
    expect(sent.headers['webhook-id']).toBe(sent.headers['idempotency-key']);
    // The signature covers the body: the same headers over another body fail both libraries.
    expect(verifiesWith(channel.secret, { ...sent, body: sent.body.replace('Echo', 'Fake') })).toEqual(NEITHER);
  });

  it('a retried message keeps its webhook-id; each attempt is signed afresh', async () => {
    const channel = await signedChannel();
    let refused = false;
    client.respondWith((sent) => {
      if (!refused && (sent.json as { chat_id?: unknown } | undefined)?.chat_id === 'sig-retry') {
        refused = true;
        return { status: 503, body: {} };
      }
      return { status: 200, body: {} };
    });
    try {
      await postEvent(t, channel.token, visitorEvent({ chatId: 'sig-retry', messageId: 'm-retry' })).expect(200);
      const attempts = await eventually(() =>
        requestsTo('sig-retry').length >= 2 ? requestsTo('sig-retry') : undefined,
      );
      expect(attempts.map((sent) => sent.headers['webhook-id'])).toEqual([
        attempts[0].headers['idempotency-key'],
        attempts[0].headers['idempotency-key'],
      ]);
      for (const sent of attempts) expect(verifiesWith(channel.secret, sent)).toEqual(BOTH);
    } finally {
      client.respondWith(() => ({ status: 200, body: {} }));
    }
  });

  it('after a rotation both secrets sign for 24 hours, then the new one alone; the controls are signed too', async () => {
    const channel = await signedChannel();
    await asTenant(t, acme)
      .patch(`/api/v1/channels/${channel.id}`, { capabilities: { closeChat: true } })
      .expect(200);
    const rotated = await asTenant(t, acme).post(`/api/v1/channels/${channel.id}/rotate-signing-secret`, {});
    expect(rotated.status).toBe(200);
    const fresh = String(rotated.body.signingSecret);
    expect(fresh).toMatch(/^whsec_/);
    expect(fresh).not.toBe(channel.secret);

    const written = await asTenant(t, acme).post(`/api/v1/channels/${channel.id}/chats/sig-rot/messages`, {
      text: 'x',
    });
    // The chat does not exist yet: create it with a visitor message first.
    expect(written.status).toBe(404);
    await postEvent(t, channel.token, visitorEvent({ chatId: 'sig-rot', messageId: 'm-rot-1' })).expect(200);
    const [overlap] = await eventually(() => (requestsTo('sig-rot').length > 0 ? requestsTo('sig-rot') : undefined));
    expect(String(overlap.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifiesWith(fresh, overlap)).toEqual(BOTH);
    expect(verifiesWith(channel.secret, overlap)).toEqual(BOTH);

    await asTenant(t, acme)
      .post(`/api/v1/channels/${channel.id}/chats/sig-rot/messages`, { action: { type: 'close' } })
      .expect(202);
    const [close] = await eventually(() =>
      requestsTo('sig-rot', 'close_chat').length > 0 ? requestsTo('sig-rot', 'close_chat') : undefined,
    );
    expect(verifiesWith(fresh, close)).toEqual(BOTH);

    // 24 hours later (the rotation moved back in time): the old secret no longer signs.
    await dbQuery(
      t,
      `UPDATE channels SET signing_secret_rotated_at = now() - interval '24 hours 1 second' WHERE id = $1`,
      [channel.id],
    );
    await postEvent(t, channel.token, visitorEvent({ chatId: 'sig-rot', messageId: 'm-rot-2' })).expect(200);
    const later = await eventually(() => {
      const replies = requestsTo('sig-rot');
      return replies.length >= 2 ? replies[1] : undefined;
    });
    expect(String(later.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(verifiesWith(fresh, later)).toEqual(BOTH);
    expect(verifiesWith(channel.secret, later)).toEqual(NEITHER);
  });

  it("rotate-signing-secret is tenant-scoped: another tenant's channel is 404", async () => {
    const channel = await signedChannel();
    const res = await asTenant(t, other).post(`/api/v1/channels/${channel.id}/rotate-signing-secret`, {});
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 404, code: 'NOT_FOUND' });
    const missing = await asTenant(t, acme).post(
      '/api/v1/channels/00000000-0000-4000-8000-000000000000/rotate-signing-secret',
      {},
    );
    expect(missing.status).toBe(404);
  });

  describe('requireSignedWebhooks (row 2b)', () => {
    const signedPost = (token: string, secret: string, body: unknown, at = new Date(), id = `msg_${(seq += 1)}`) => {
      const payload = JSON.stringify(body);
      const signature = new StandardWebhook(secret).sign(id, at, payload);
      return request(t.baseUrl)
        .post(`/${token}/bot_api_webhook`)
        .set('content-type', 'application/json')
        .set('webhook-id', id)
        .set('webhook-timestamp', String(Math.floor(at.getTime() / 1000)))
        .set('webhook-signature', signature)
        .send(payload);
    };

    const storedFor = async (chatId: string): Promise<number> => {
      const [row] = await dbQuery<{ n: number }>(
        t,
        `SELECT count(*)::int AS n FROM messages m JOIN chats c ON c.id = m.chat_id WHERE c.client_chat_id = $1 AND m.direction = 'inbound'`,
        [chatId],
      );
      return row.n;
    };

    it('off by default: unsigned posts are taken as before', async () => {
      const channel = await signedChannel();
      await postEvent(t, channel.token, visitorEvent({ chatId: 'req-off', messageId: 'm-off' })).expect(200);
    });

    it('on: a signed post is taken; unsigned, badly signed or stale posts are 401 with the reason and store nothing', async () => {
      const channel = await signedChannel();
      const set = await asTenant(t, acme).patch(`/api/v1/channels/${channel.id}`, { requireSignedWebhooks: true });
      expect(set.body.requireSignedWebhooks).toBe(true);

      const event = (messageId: string) => visitorEvent({ chatId: 'req-on', messageId });
      const signed = await signedPost(channel.token, channel.secret, event('m-signed'));
      expect({ status: signed.status, body: signed.body }).toEqual({ status: 200, body: { result: 'ok' } });

      const refusals = [
        [
          postEvent(t, channel.token, event('m-unsigned')),
          'The webhook-id header is missing: this channel accepts signed webhooks only.',
        ],
        [
          signedPost(channel.token, 'whsec_' + Buffer.alloc(24, 7).toString('base64'), event('m-wrong')),
          "The webhook-signature does not match the body with the channel's signing secret.",
        ],
        [
          signedPost(channel.token, channel.secret, event('m-stale'), new Date(Date.now() - 6 * 60_000)),
          'The webhook-timestamp is more than 5 minutes away from now.',
        ],
        [
          signedPost(channel.token, channel.secret, event('m-future'), new Date(Date.now() + 6 * 60_000)),
          'The webhook-timestamp is more than 5 minutes away from now.',
        ],
      ] as const;
      for (const [answer, error] of refusals) {
        const res = await answer;
        expect({ status: res.status, body: res.body }).toEqual({ status: 401, body: { error } });
      }
      // A signature over another body (the event tampered with after signing) is refused too.
      const payload = JSON.stringify(event('m-tampered'));
      const headers = new StandardWebhook(channel.secret).sign('msg_t', new Date(), payload);
      const tampered = await request(t.baseUrl)
        .post(`/${channel.token}/bot_api_webhook`)
        .set('webhook-id', 'msg_t')
        .set('webhook-timestamp', String(Math.floor(Date.now() / 1000)))
        .set('webhook-signature', headers)
        .send(payload.replace('Hello', 'Hullo'));
      expect(tampered.status).toBe(401);
      expect(await storedFor('req-on')).toBe(1);

      // An unknown token is still row 2 (400), before any signature is looked at.
      const unknown = await postEvent(t, 'no-such-token', event('m-x'));
      expect(unknown.status).toBe(400);
    });

    it('after a rotation the client may sign with either secret for 24 hours', async () => {
      const channel = await signedChannel();
      await asTenant(t, acme).patch(`/api/v1/channels/${channel.id}`, { requireSignedWebhooks: true }).expect(200);
      const rotated = await asTenant(t, acme).post(`/api/v1/channels/${channel.id}/rotate-signing-secret`, {});
      const fresh = String(rotated.body.signingSecret);
      const event = (messageId: string) => visitorEvent({ chatId: 'req-rot', messageId });
      expect((await signedPost(channel.token, fresh, event('m-new'))).status).toBe(200);
      expect((await signedPost(channel.token, channel.secret, event('m-old'))).status).toBe(200);
      await dbQuery(t, `UPDATE channels SET signing_secret_rotated_at = now() - interval '25 hours' WHERE id = $1`, [
        channel.id,
      ]);
      await asTenant(t, acme).patch(`/api/v1/channels/${channel.id}`, { title: 'clears the lookup cache' }).expect(200);
      expect((await signedPost(channel.token, channel.secret, event('m-old-2'))).status).toBe(401);
      expect((await signedPost(channel.token, fresh, event('m-new-2'))).status).toBe(200);
      expect(await storedFor('req-rot')).toBe(3);
    });

    it('a non-boolean requireSignedWebhooks is a 400 naming the field', async () => {
      const channel = await signedChannel();
      const res = await asTenant(t, acme).patch(`/api/v1/channels/${channel.id}`, { requireSignedWebhooks: 'yes' });
      expect(res.status).toBe(400);
      expect(res.body.details.map((d: { field: string }) => d.field)).toEqual(['requireSignedWebhooks']);
    });
  });
});
