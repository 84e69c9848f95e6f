// A token bucket per peer address, for the services anyone may call without
// credentials (certificate requests): a burst is fine, a flood is refused.
import { AnclaError } from "../../core/errors.js";

export interface RateLimit {
  /** Calls a fresh address may make at once. */
  burst: number;
  /** Calls regained per second. */
  perSecond: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Addresses remembered at most; a full bucket carries no information, so those go first. */
const MAX_ADDRESSES = 10_000;

export class PeerRateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = Date.now,
  ) {}

  /** Throws ANCLA_E_RESOURCE_EXHAUSTED when `address` has no call left; takes nothing (see spend). */
  check(address: string, what: string): void {
    const bucket = this.refilled(this.buckets.get(address), this.now());
    if (bucket.tokens >= 1) return;
    const waitSeconds = Math.ceil((1 - bucket.tokens) / this.limit.perSecond);
    throw new AnclaError("ANCLA_E_RESOURCE_EXHAUSTED", `too many ${what} from ${address}; retry in ${waitSeconds}s`);
  }

  /** Takes one call from `address`'s bucket (after check: a call found to need no limit is not charged). */
  spend(address: string): void {
    const now = this.now();
    const bucket = this.refilled(this.buckets.get(address), now);
    bucket.tokens = Math.max(0, bucket.tokens - 1);
    // Deleted and set again, so the map's order is least recently used first.
    const known = this.buckets.delete(address);
    if (!known && this.buckets.size >= MAX_ADDRESSES) this.evict(now);
    this.buckets.set(address, bucket);
  }

  private refilled(bucket: Bucket | undefined, now: number): Bucket {
    if (!bucket) return { tokens: this.limit.burst, at: now };
    return { tokens: Math.min(this.limit.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.limit.perSecond), at: now };
  }

  /** Forgets the buckets that have refilled; failing that, the least recently used. */
  private evict(now: number): void {
    for (const [address, bucket] of this.buckets) {
      if (this.refilled(bucket, now).tokens >= this.limit.burst) this.buckets.delete(address);
    }
    if (this.buckets.size >= MAX_ADDRESSES) this.buckets.delete(this.buckets.keys().next().value as string);
  }
}

/** The address part of a grpc-js peer ("ipv4:127.0.0.1:5000", "ipv6:[::1]:5000"): one bucket per host, not per connection. */
export function peerHost(peer: string): string {
  const withoutScheme = peer.replace(/^ipv[46]:/, "");
  const bracketed = /^\[([^\]]+)\]/.exec(withoutScheme);
  if (bracketed) return bracketed[1];
  const i = withoutScheme.lastIndexOf(":");
  return i > 0 ? withoutScheme.slice(0, i) : withoutScheme;
}
