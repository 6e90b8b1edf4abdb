import pg from 'pg';
import request from 'supertest';
import type { TestApp } from './test-app.js';

export function tokenOf(channel: Record<string, unknown>): string {
  return String(channel.platformWebhookUrl).split('/').at(-2) as string;
}

export function postEvent(t: TestApp, token: string, body: unknown): request.Test {
  return request(t.baseUrl)
    .post(`/${token}/bot_api_webhook`)
    .set('content-type', 'application/json')
    .send(typeof body === 'string' ? body : JSON.stringify(body));
}

export function visitorEvent(
  overrides: {
    chatId?: number | string;
    messageId?: string;
    text?: string;
    visitorId?: string;
    fields?: Record<string, unknown>;
  } = {},
): Record<string, unknown> {
  return {
    event: 'new_message',
    chat_id: overrides.chatId ?? 1042,
    visitor: {
      id: overrides.visitorId ?? 'v-77',
      fields: overrides.fields ?? { name: 'Ann', email: 'ann@example.com' },
    },
    message: { id: overrides.messageId ?? 'm-1', kind: 'visitor', text: overrides.text ?? 'Hello' },
  };
}

/** Direct reads of the test database, to assert what was (not) written. */
export async function dbQuery<T = Record<string, unknown>>(
  t: TestApp,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: t.database.url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

export async function counts(t: TestApp): Promise<{ chats: number; messages: number; due: number }> {
  const [row] = await dbQuery<{ chats: number; messages: number; due: number }>(
    t,
    `SELECT (SELECT count(*)::int FROM chats) AS chats, (SELECT count(*)::int FROM messages) AS messages,
            (SELECT count(*)::int FROM chats WHERE agent_due_at IS NOT NULL) AS due`,
  );
  return row;
}

/** Every (status, body shape) the status table allows for a known, active token. */
export function fromTheTable(status: number, body: Record<string, unknown>): boolean {
  const keys = Object.keys(body).sort().join(',');
  switch (status) {
    case 200:
      return (
        (keys === 'result' && body.result === 'ok') ||
        (keys === 'duplicate,result' && body.duplicate === true) ||
        (keys === 'reason,result' && body.result === 'ignored')
      );
    case 400:
      return keys === 'error' && /^Missing required parameter: [\w.]+$/.test(String(body.error));
    case 413:
      return keys === 'error';
    case 500:
      return (
        keys === 'error' &&
        (body.error === 'Invalid JSON in request body' || String(body.error).startsWith('Invalid request body: '))
      );
    default:
      return false;
  }
}
