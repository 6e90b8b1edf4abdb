import { expect } from '@jest/globals';
import type { RecordedRequest } from '../support/fake-client-server.js';

/** What the client server was told, per chat: the visitor texts acknowledged with 200, in the order they were sent. */
export type Acknowledged = Map<number, string[]>;

export interface TrafficOptions {
  chats: number;
  perChat: number;
  /** Posts one visitor message; resolves with the HTTP status, or 0 when no answer came. */
  post: (chat: number, text: string) => Promise<number>;
  /** Pause between a chat's messages, so the traffic spans the fault. */
  pauseMs?: number;
  /** A prefix for the texts, unique per scenario. */
  label: string;
  /**
   * After `perChat` messages a chat goes on posting while this says so: a scenario whose fault ends at a time it
   * cannot know in advance (a server restarted) keeps traffic flowing until it has seen the recovery.
   */
  continueWhile?: () => boolean;
}

/** Real traffic over many chats: each chat's messages in sequence, the chats in parallel. */
export async function driveTraffic(
  options: TrafficOptions,
): Promise<{ acknowledged: Acknowledged; statuses: number[] }> {
  const acknowledged: Acknowledged = new Map();
  const statuses: number[] = [];
  await Promise.all(
    Array.from({ length: options.chats }, async (_, chat) => {
      const mine: string[] = [];
      acknowledged.set(chat, mine);
      for (let n = 1; n <= options.perChat || (options.continueWhile?.() ?? false); n += 1) {
        const text = `${options.label} c${chat} m${n}`;
        const status = await options.post(chat, text).catch(() => 0);
        statuses.push(status);
        if (status === 200) mine.push(text);
        if (options.pauseMs) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
      }
    }),
  );
  return { acknowledged, statuses };
}

interface Send {
  key: string;
  text: string;
  status: number | undefined;
  at: number;
}

function sendsByChat(requests: readonly RecordedRequest[]): Map<unknown, Send[]> {
  const byChat = new Map<unknown, Send[]>();
  for (const request of requests) {
    if (!request.url.split('?')[0].endsWith('/send_message')) continue;
    const body = request.json as { chat_id: unknown; message: { text?: string } };
    const sends = byChat.get(body.chat_id) ?? [];
    sends.push({
      key: String(request.headers['idempotency-key']),
      text: String(body.message.text).replace(/^(Echo|Agent): /, ''),
      status: request.answeredStatus,
      at: request.receivedAt,
    });
    byChat.set(body.chat_id, sends);
  }
  for (const sends of byChat.values()) sends.sort((a, b) => a.at - b.at);
  return byChat;
}

/**
 * The promise of the service, checked on what crossed the wire: every message acknowledged with 200 had its reply
 * delivered (answered 2xx), in order per chat; a message is sent again only under its own Idempotency-Key, and a
 * chat's messages never interleave (one is not sent while an earlier one is still being retried).
 */
export function verifyDeliveries(
  requests: readonly RecordedRequest[],
  acknowledged: Acknowledged,
): { delivered: number; duplicates: number } {
  const byChat = sendsByChat(requests);
  let delivered = 0;
  let duplicates = 0;
  for (const [chat, texts] of acknowledged) {
    const sends = byChat.get(chat) ?? [];
    const keyOf = new Map<string, string>();
    for (const send of sends) {
      const known = keyOf.get(send.text);
      if (known !== undefined)
        expect({ chat, text: send.text, key: send.key }).toEqual({ chat, text: send.text, key: known });
      keyOf.set(send.text, send.key);
    }
    const blocks = sends.map((send) => send.key).filter((key, index, keys) => index === 0 || keys[index - 1] !== key);
    expect({ chat, interleaved: blocks.length !== new Set(blocks).size }).toEqual({ chat, interleaved: false });
    const firstDelivery = new Map<string, number>();
    sends.forEach((send, index) => {
      if (send.status !== undefined && send.status >= 200 && send.status < 300) {
        if (firstDelivery.has(send.text)) duplicates += 1;
        else firstDelivery.set(send.text, index);
      }
    });
    const missing = texts.filter((text) => !firstDelivery.has(text));
    expect({ chat, missing }).toEqual({ chat, missing: [] });
    const positions = texts.map((text) => firstDelivery.get(text) ?? -1);
    expect({
      chat,
      inOrder: positions.every((position, index) => index === 0 || position > positions[index - 1]),
    }).toEqual({ chat, inOrder: true });
    delivered += texts.length;
  }
  return { delivered, duplicates };
}

/** True once every acknowledged message has a 2xx-answered send_message. */
export function allDelivered(requests: readonly RecordedRequest[], acknowledged: Acknowledged): boolean {
  const done = new Set<string>();
  for (const request of requests) {
    if (
      !request.url.split('?')[0].endsWith('/send_message') ||
      request.answeredStatus === undefined ||
      request.answeredStatus >= 300
    )
      continue;
    const body = request.json as { chat_id: unknown; message: { text?: string } };
    done.add(String(body.message.text).replace(/^(Echo|Agent): /, ''));
  }
  return [...acknowledged.values()].every((texts) => texts.every((text) => done.has(text)));
}
