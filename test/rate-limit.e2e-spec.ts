import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { asTenant, makeAgent, makeChannel, makeTenant, type TestTenant } from './support/admin-api.js';
import { counts, postEvent, tokenOf, visitorEvent } from './support/inbound.js';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('the inbound rate limit (docs/protocol.md, row 2a)', () => {
  let t: TestApp;
  let acme: TestTenant;
  let globex: TestTenant;

  beforeAll(async () => {
    // HTTP only: the test sees exactly what the webhook wrote. A default low enough to reach in a test.
    t = await startTestApp({
      env: { ROLE: 'api', INBOUND_RATE_LIMIT_PER_SECOND: '50', INBOUND_RATE_LIMIT_BURST: '5' },
    });
    acme = await makeTenant(t, 'Acme');
    globex = await makeTenant(t, 'Globex');
    await makeAgent(t, acme, 'a-1');
    await makeAgent(t, globex, 'g-1');
  });

  afterAll(async () => {
    await t?.close();
  });

  it('shows the limit in force: the default from the environment, or the channel its own', async () => {
    const plain = await makeChannel(t, acme, 'a-1', { active: true });
    expect(plain.inboundRateLimit).toEqual({ perSecond: 50, burst: 5, source: 'default' });
    const own = await asTenant(t, acme).post('/api/v1/agents/a-1/channels', {
      type: 'omnichannel',
      webhookUrl: 'http://127.0.0.1:9/chat',
      inboundRateLimit: { perSecond: 2, burst: 3 },
    });
    expect(own.status).toBe(201);
    expect(own.body.inboundRateLimit).toEqual({ perSecond: 2, burst: 3, source: 'channel' });
    const reset = await asTenant(t, acme).patch(`/api/v1/channels/${own.body.id}`, { inboundRateLimit: null });
    expect(reset.status).toBe(200);
    expect(reset.body.inboundRateLimit).toEqual({ perSecond: 50, burst: 5, source: 'default' });
    const untouched = await asTenant(t, acme).patch(`/api/v1/channels/${own.body.id}`, { title: 'x' });
    expect(untouched.body.inboundRateLimit.source).toBe('default');
  });

  it.each([
    [{ perSecond: 0, burst: 5 }, 'perSecond'],
    [{ perSecond: 1.5, burst: 5 }, 'perSecond'],
    [{ perSecond: 5 }, 'burst'],
    [{ perSecond: 5, burst: 100_001 }, 'burst'],
    [{ perSecond: 5, burst: 5, extra: 1 }, 'extra'],
    ['fast', 'inboundRateLimit'],
  ])('refuses inboundRateLimit %j with a 400 naming %s, and changes nothing', async (value, field) => {
    const channel = await makeChannel(t, acme, 'a-1', { active: false });
    const res = await asTenant(t, acme).patch(`/api/v1/channels/${channel.id}`, { inboundRateLimit: value });
    expect(res.status).toBe(400);
    expect(res.text).toContain(field);
    const after = await asTenant(t, acme).get(`/api/v1/channels/${channel.id}`);
    expect(after.body.inboundRateLimit.source).toBe('default');
  });

  it('answers 429 with Retry-After past the burst, stores nothing, and costs another channel nothing', async () => {
    const flooded = await makeChannel(t, acme, 'a-1', { active: true });
    await asTenant(t, acme).patch(`/api/v1/channels/${flooded.id}`, { inboundRateLimit: { perSecond: 1, burst: 3 } });
    const calm = await makeChannel(t, globex, 'g-1', { active: true });
    const before = await counts(t);
    const statuses: number[] = [];
    for (let n = 0; n < 3; n += 1)
      statuses.push((await postEvent(t, tokenOf(flooded), visitorEvent({ messageId: `f-${n}`, chatId: n }))).status);
    expect(statuses).toEqual([200, 200, 200]);
    const refused = await postEvent(t, tokenOf(flooded), visitorEvent({ messageId: 'f-3', chatId: 3 }));
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.body).toEqual({
      error:
        'Too many requests for this channel: the limit is 1 messages per second with bursts of 3. Retry after 1 s.',
    });
    // Decided right after row 2, before the body is read: an unparsable body is 429 too, and an unknown token still 400.
    expect((await postEvent(t, tokenOf(flooded), '{not json')).status).toBe(429);
    expect((await postEvent(t, 'no-such-token', visitorEvent())).status).toBe(400);
    // Another tenant's channel, posting meanwhile, is answered as usual.
    for (let n = 0; n < 5; n += 1)
      expect((await postEvent(t, tokenOf(calm), visitorEvent({ messageId: `c-${n}`, chatId: n }))).status).toBe(200);
    const after = await counts(t);
    expect(after.messages - before.messages).toBe(3 + 5);
    // Once a token has come back, the channel is served again.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await postEvent(t, tokenOf(flooded), visitorEvent({ messageId: 'f-4', chatId: 4 }))).status).toBe(200);
  });

  it('tells the log once, not once a request, and counts every refusal in the metrics', async () => {
    const channel = await makeChannel(t, acme, 'a-1', { active: true });
    await asTenant(t, acme).patch(`/api/v1/channels/${channel.id}`, { inboundRateLimit: { perSecond: 1, burst: 1 } });
    const warned = (): number =>
      t.logs.filter((line) => line.includes('over its inbound rate limit') && line.includes(channel.id as string))
        .length;
    await postEvent(t, tokenOf(channel), visitorEvent({ messageId: 'l-0' }));
    for (let n = 1; n <= 10; n += 1)
      expect((await postEvent(t, tokenOf(channel), visitorEvent({ messageId: `l-${n}` }))).status).toBe(429);
    expect(warned()).toBe(1);
    expect(t.logs.filter((line) => line.includes('"statusCode":429')).length).toBe(0);
    const metrics = await fetch(`${t.baseUrl}/metrics`).then((res) => res.text());
    expect(metrics).toMatch(/inbound_webhooks_total\{status="429",result="rate_limited"\} \d+/);
  });
});
