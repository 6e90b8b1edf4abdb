import { Injectable } from '@nestjs/common';
import { AppConfig } from '#common';
import type { ActiveChannel } from '#channels';

export interface RateLimit {
  perSecond: number;
  burst: number;
}

/** A refusal: how long until one more message would be taken, in whole seconds (the `Retry-After` header), and the limit. */
export interface Refusal {
  retryAfterSeconds: number;
  limit: RateLimit;
}

interface Bucket {
  tokens: number;
  at: number;
  limit: RateLimit;
}

/** Buckets idle this long are full again and forgotten: the map holds only the channels posting lately. */
const IDLE_MS = 60_000;

/**
 * Token buckets of the channels' inbound budgets, one per channel in this process: each webhook post that found an
 * active channel takes one token; a bucket holds up to `burst` tokens and refills at `perSecond`. An empty bucket
 * refuses without waiting (the caller answers 429). The buckets are this replica's own: with N replicas behind a
 * load balancer that spreads a client's connections, a channel's budget is N times the limit (docs/protocol.md).
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private sweptAt: number;

  constructor(private readonly now: () => number = () => performance.now()) {
    this.sweptAt = now();
  }

  /** Takes a token for `key` under `limit`; null when taken, else the refusal. A changed limit applies at once. */
  take(key: string, limit: RateLimit): Refusal | null {
    const now = this.now();
    this.sweep(now);
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: limit.burst, at: now, limit };
      this.buckets.set(key, bucket);
    } else {
      if (bucket.limit.perSecond !== limit.perSecond || bucket.limit.burst !== limit.burst) bucket.limit = limit;
      bucket.tokens = Math.min(limit.burst, bucket.tokens + ((now - bucket.at) / 1000) * limit.perSecond);
      bucket.at = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return null;
    }
    return { retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / limit.perSecond)), limit };
  }

  get size(): number {
    return this.buckets.size;
  }

  private sweep(now: number): void {
    if (now - this.sweptAt < IDLE_MS) return;
    this.sweptAt = now;
    for (const [key, bucket] of this.buckets) if (now - bucket.at >= IDLE_MS) this.buckets.delete(key);
  }
}

/** The inbound webhook's per-channel rate limit: the channel's own, else INBOUND_RATE_LIMIT_PER_SECOND / _BURST. */
@Injectable()
export class InboundRateLimiter {
  private readonly buckets = new TokenBuckets();

  constructor(private readonly config: AppConfig) {}

  take(channel: ActiveChannel): Refusal | null {
    return this.buckets.take(channel.id, {
      perSecond: channel.inboundRatePerSecond ?? this.config.inboundRatePerSecond,
      burst: channel.inboundBurst ?? this.config.inboundBurst,
    });
  }
}
