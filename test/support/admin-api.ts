import request from 'supertest';
import { tokenOf } from './inbound.js';
import type { TestApp } from './test-app.js';
import { TEST_ADMIN_TOKEN } from './test-app.js';

export interface TestTenant {
  id: string;
  apiKey: string;
}

export function operator(t: TestApp) {
  const auth = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
  return {
    get: (path: string) => request(t.baseUrl).get(path).set(auth),
    post: (path: string, body?: object) => request(t.baseUrl).post(path).set(auth).send(body),
    delete: (path: string) => request(t.baseUrl).delete(path).set(auth),
  };
}

export function asTenant(t: TestApp, tenant: TestTenant) {
  const auth = { authorization: `Bearer ${tenant.apiKey}` };
  return {
    get: (path: string) => request(t.baseUrl).get(path).set(auth),
    post: (path: string, body?: object) => request(t.baseUrl).post(path).set(auth).send(body),
    put: (path: string, body?: object) => request(t.baseUrl).put(path).set(auth).send(body),
    patch: (path: string, body?: object) => request(t.baseUrl).patch(path).set(auth).send(body),
    delete: (path: string) => request(t.baseUrl).delete(path).set(auth),
  };
}

export async function makeTenant(t: TestApp, name = 'Acme'): Promise<TestTenant> {
  const res = await operator(t).post('/api/v1/tenants', { name });
  if (res.status !== 201) throw new Error(`tenant creation failed: ${res.status} ${res.text}`);
  return { id: res.body.id as string, apiKey: res.body.apiKey as string };
}

export async function makeAgent(
  t: TestApp,
  tenant: TestTenant,
  agentId = 'a-1',
  overrides: { trained?: boolean; title?: string } = {},
): Promise<void> {
  const res = await asTenant(t, tenant).put(`/api/v1/agents/${agentId}`, {
    title: 'Support bot',
    trained: true,
    ...overrides,
  });
  if (res.status !== 200 && res.status !== 201) throw new Error(`agent upsert failed: ${res.status} ${res.text}`);
}

export interface ChannelBody {
  type?: string;
  title?: string;
  webhookUrl?: string;
  webhookToken?: string;
  active?: boolean;
}

export async function makeChannel(
  t: TestApp,
  tenant: TestTenant,
  agentId: string,
  overrides: ChannelBody = {},
): Promise<Record<string, unknown>> {
  const res = await asTenant(t, tenant).post(`/api/v1/agents/${agentId}/channels`, {
    type: 'omnichannel',
    title: 'Site chat',
    webhookUrl: 'https://client.example.com/chat',
    ...overrides,
  });
  if (res.status !== 201) throw new Error(`channel creation failed: ${res.status} ${res.text}`);
  return res.body as Record<string, unknown>;
}

/** An active channel (of `agentId`, with `body` over the defaults of makeChannel): its id and its platform token. */
export async function makeActiveChannel(
  t: TestApp,
  tenant: TestTenant,
  agentId: string,
  body: ChannelBody,
): Promise<{ id: string; token: string }> {
  const created = await makeChannel(t, tenant, agentId, { active: true, ...body });
  return { id: created.id as string, token: tokenOf(created) };
}

/** A message as the admin API lists it: the fields the tests read. */
export interface ListedMessage {
  id: string;
  direction: string;
  kind: string;
  text: string | null;
  buttons?: unknown;
  status: string;
  attempts: number;
  lastError?: string;
  deliveredAt?: string;
}

/** The first 200 messages of a chat, in order, as the admin API lists them (its internal id or the client's). */
export async function listMessages(
  t: TestApp,
  tenant: TestTenant,
  channelId: string,
  chatId: number | string,
): Promise<ListedMessage[]> {
  const res = await asTenant(t, tenant).get(`/api/v1/channels/${channelId}/chats/${chatId}/messages?limit=200`);
  if (res.status !== 200) throw new Error(`listing messages failed: ${res.status} ${res.text}`);
  return res.body.items as ListedMessage[];
}
