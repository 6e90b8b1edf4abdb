import type { Logger } from '@nestjs/common';
import type { DatabaseOutage } from '#database';
import type { ClaimLimits, LaneClaim } from './lanes.repository.js';
import type { Lane } from './lane.js';

/** The safety net under the wake-ups: a lane is looked at this often even when nobody says there is work. */
export const LANE_POLL_MS = 250;
/** Chats claimed by one statement at most. */
export const CLAIM_BATCH = 50;
/** While fairness probes find nothing (one channel alone has work waiting), at most one runs in this window. */
export const FAIRNESS_PROBE_MS = 20;

export interface LaneWorkerOptions<C extends LaneClaim> {
  lane: Lane;
  /** Chats worked at once by this process. */
  slots: number;
  /** Chats of one channel worked at once by this process (CHANNEL_MAX_IN_FLIGHT). */
  perChannel: number;
  claim(limits: ClaimLimits): Promise<C[]>;
  /** Calls the peer and settles; resolves when the chat's claim is settled. */
  work(claim: C): Promise<void>;
  /** Gives back the claims still held when the shutdown grace runs out. */
  release(claims: C[]): Promise<void>;
  logger: Logger;
  /** The replica's view of a database outage: claims back off while it lasts, and it is told once, not per claim. */
  outage?: Pick<DatabaseOutage, 'mayTry' | 'failed' | 'answered'>;
}

/**
 * One lane's loop: claim → work → settle, for as many chats as there are free slots, each chat settled the moment its
 * own call ends (a slow peer holds its own slot and nothing else). A channel never holds more than `perChannel` slots.
 */
export class LaneWorker<C extends LaneClaim> {
  private readonly active = new Map<string, C>();
  private readonly perChannel = new Map<string, number>();
  private pumping = false;
  private again = false;
  /** The last claim may have left work behind (every slot, or some channel's share, taken): a freed slot looks again. */
  private backlogged = false;
  private running = false;
  private poll: NodeJS.Timeout | null = null;
  private idle: (() => void) | null = null;
  /** The last fairness probe (a claim leaving out the channels just filled): when, and whether it found a chat. */
  private probedAt = -Infinity;
  private probeFound = false;

  constructor(private readonly options: LaneWorkerOptions<C>) {}

  get inFlight(): number {
    return this.active.size;
  }

  start(): void {
    this.running = true;
    this.poll = setInterval(() => this.wake(), LANE_POLL_MS);
    this.poll.unref();
    this.wake();
  }

  /** Looks for due chats now (or right after the claim under way). */
  wake(): void {
    if (!this.running) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    void this.pump();
  }

  /** A retry falls due at `at`: look then rather than at the next poll. */
  wakeAt(at: Date): void {
    const timer = setTimeout(() => this.wake(), Math.max(0, at.getTime() - Date.now()));
    timer.unref();
  }

  /** Takes no new chats; waits up to `graceMs` for those in flight, then gives back what is left. */
  async stop(graceMs: number): Promise<void> {
    this.running = false;
    if (this.poll) clearInterval(this.poll);
    if (this.active.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        this.idle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.idle = null;
    const left = [...this.active.values()];
    if (left.length === 0) return;
    this.options.logger.warn(
      { lane: this.options.lane, chats: left.length },
      'Shutdown grace ran out; giving the remaining chats back',
    );
    await this.options
      .release(left)
      .catch((error: unknown) =>
        this.options.logger.error({ err: error }, 'Giving claims back failed; they fall due when their lease ends'),
      );
  }

  private async pump(): Promise<void> {
    // The database is away: the next poll after the backoff tries again (the outage was told once).
    if (this.options.outage?.mayTry() === false) return;
    this.pumping = true;
    let probing = false;
    try {
      do {
        this.again = false;
        const free = this.options.slots - this.active.size;
        if (free <= 0) {
          this.backlogged = true;
          break;
        }
        const limit = Math.min(free, CLAIM_BATCH);
        const headroom = new Map([...this.perChannel].map(([channel, n]) => [channel, this.options.perChannel - n]));
        const claims = await this.options.claim({ limit, headroom, perChannel: this.options.perChannel });
        this.options.outage?.answered();
        for (const claim of claims) this.run(claim);
        // Counted after the claims run: a channel this claim filled to its cap has more waiting, very likely, and a
        // chat that settles due again (its next message) asks for a claim while its own slot is still held.
        this.backlogged =
          claims.length === limit || [...this.perChannel.values()].some((n) => n >= this.options.perChannel);
        if (probing) this.probeFound = claims.length > 0;
        // A claim reads the oldest due chats first: behind one channel's backlog, another channel's new chat is out of
        // its sight until that channel is left out. A channel this claim filled to its cap is left out of the next
        // claim, at once (a probe), so the others' chats are picked now rather than when the busy one happens to be
        // full at a claim. While probes find nothing (one channel alone has work), one runs every FAIRNESS_PROBE_MS.
        const filled = claims.some(
          (claim) =>
            (headroom.get(claim.channelId) ?? 1) > 0 &&
            (this.perChannel.get(claim.channelId) ?? 0) >= this.options.perChannel,
        );
        probing = false;
        if (claims.length === limit) this.again = true;
        else if (filled && (this.probeFound || performance.now() - this.probedAt >= FAIRNESS_PROBE_MS)) {
          probing = true;
          this.probedAt = performance.now();
          this.again = true;
        }
      } while (this.again && this.running);
    } catch (error) {
      // The database may be away (told once by the outage, and the polls back off); the next poll tries again, and
      // claims taken meanwhile fall due when their lease ends.
      if (this.options.outage?.failed(error) !== true)
        this.options.logger.error({ err: error, lane: this.options.lane }, 'Claiming due chats failed');
    } finally {
      this.pumping = false;
    }
  }

  /** Works claims taken outside the loop (a paused channel's probe) like its own, in slots of their own. */
  adopt(claims: readonly C[]): void {
    if (!this.running) return;
    for (const claim of claims) this.run(claim);
  }

  private run(claim: C): void {
    this.active.set(claim.chatId, claim);
    this.perChannel.set(claim.channelId, (this.perChannel.get(claim.channelId) ?? 0) + 1);
    this.options
      .work(claim)
      .catch((error: unknown) =>
        this.options.logger.error(
          { err: error, lane: this.options.lane, chatId: claim.chatId },
          'A chat could not be worked; it falls due again when its lease ends',
        ),
      )
      .finally(() => {
        this.active.delete(claim.chatId);
        const left = (this.perChannel.get(claim.channelId) ?? 1) - 1;
        if (left > 0) this.perChannel.set(claim.channelId, left);
        else this.perChannel.delete(claim.channelId);
        if (this.active.size === 0) this.idle?.();
        if (this.backlogged) this.wake();
      });
  }
}
