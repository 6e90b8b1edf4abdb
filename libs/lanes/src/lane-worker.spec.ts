import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { Logger } from '@nestjs/common';
import type { ClaimLimits, LaneClaim } from './lanes.repository.js';
import { LaneWorker } from './lane-worker.js';

const logger = { error: jest.fn(), warn: jest.fn() } as unknown as Logger;

/** A lane in memory: due chats in order; a claim honours the limits as the SQL does. */
function laneOf(due: LaneClaim[]) {
  const claims: ClaimLimits[] = [];
  return {
    claims,
    claim: (limits: ClaimLimits): Promise<LaneClaim[]> => {
      claims.push(limits);
      const taken: LaneClaim[] = [];
      const perChannel = new Map<string, number>();
      for (const chat of [...due]) {
        if (taken.length === limits.limit) break;
        const room = (limits.headroom.get(chat.channelId) ?? limits.perChannel) - (perChannel.get(chat.channelId) ?? 0);
        if (room <= 0) continue;
        perChannel.set(chat.channelId, (perChannel.get(chat.channelId) ?? 0) + 1);
        taken.push(chat);
        due.splice(due.indexOf(chat), 1);
      }
      return Promise.resolve(taken);
    },
  };
}

const chat = (n: number, channelId: string): LaneClaim => ({
  chatId: `chat-${n}`,
  tenantId: 't',
  channelId,
  lease: 'l',
  clientChatId: String(n),
  clientChatIdIsNumber: true,
});

/** Lets every pending promise and setImmediate callback run; fake timers keep the poll from ever firing. */
async function settleAll(): Promise<void> {
  for (let n = 0; n < 50; n += 1) await new Promise((resolve) => setImmediate(resolve));
}

describe('LaneWorker', () => {
  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('refills a channel at its cap as each chat settles, without waiting for the poll', async () => {
    const due = Array.from({ length: 10 }, (_, n) => chat(n, 'busy'));
    const lane = laneOf(due);
    const worked: string[] = [];
    const worker: LaneWorker<LaneClaim> = new LaneWorker({
      lane: 'send',
      slots: 8,
      perChannel: 2,
      claim: lane.claim,
      work: async (claim) => {
        await new Promise((resolve) => setImmediate(resolve));
        worked.push(claim.chatId);
        // What the dispatcher does when the settle says the chat is due again: a wake while its slot is still held.
        worker.wake();
      },
      release: () => Promise.resolve(),
      logger,
    });
    worker.start();
    await settleAll();
    expect(worked).toHaveLength(10);
    await worker.stop(0);
  });

  it('never works more than perChannel chats of one channel at once, and fills the other slots from other channels', async () => {
    const due = [...Array.from({ length: 6 }, (_, n) => chat(n, 'busy')), chat(100, 'quiet'), chat(101, 'quiet')];
    const lane = laneOf(due);
    let inFlight = 0;
    let most = 0;
    const finish: (() => void)[] = [];
    const worker = new LaneWorker<LaneClaim>({
      lane: 'agent',
      slots: 4,
      perChannel: 2,
      claim: lane.claim,
      work: (claim) => {
        if (claim.channelId === 'busy') inFlight += 1;
        most = Math.max(most, inFlight);
        return new Promise<void>((resolve) =>
          finish.push(() => {
            if (claim.channelId === 'busy') inFlight -= 1;
            resolve();
          }),
        );
      },
      release: () => Promise.resolve(),
      logger,
    });
    worker.start();
    await settleAll();
    expect(worker.inFlight).toBe(4);
    expect(inFlight).toBe(2);
    while (finish.length > 0) {
      finish.shift()?.();
      await settleAll();
    }
    expect(most).toBe(2);
    expect(due).toHaveLength(0);
    await worker.stop(0);
  });
});
