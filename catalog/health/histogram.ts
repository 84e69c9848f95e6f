// A latency histogram on fixed log-scale buckets, the one format the agent
// records, the wire carries and the server stores and merges. Fixed buckets
// (not HDR's adaptive ones) make merging exact: the merge of two windows is
// the sum of their counts, bucket by bucket, so a cohort's P95 over ten
// minutes is the P95 of every sample in it, up to the bucket width.
//
// Bucket 0 holds latencies under 1 µs; bucket i ≥ 1 holds [2^((i-1)/8),
// 2^(i/8)) µs: eight buckets per doubling, each 9 % wide, so a quantile read
// back is within 4.5 % of the true sample. 256 buckets reach about 64 minutes,
// past any probe's timeout; a longer latency counts in the last bucket.

export const HISTOGRAM_BUCKETS = 256;
const PER_DOUBLING = 8;

export interface Bucket {
  index: number;
  count: number;
}

/** The bucket a latency (milliseconds) falls in. */
export function bucketOf(ms: number): number {
  const us = ms * 1000;
  if (!(us >= 1)) return 0;
  return Math.min(HISTOGRAM_BUCKETS - 1, 1 + Math.floor(Math.log2(us) * PER_DOUBLING));
}

/** The lower and upper bound of a bucket, in milliseconds. */
export function bucketBounds(index: number): [number, number] {
  if (index === 0) return [0, 0.001];
  return [2 ** ((index - 1) / PER_DOUBLING) / 1000, 2 ** (index / PER_DOUBLING) / 1000];
}

export class Histogram {
  readonly counts = new Float64Array(HISTOGRAM_BUCKETS);
  total = 0;

  record(ms: number): void {
    this.counts[bucketOf(ms)]++;
    this.total++;
  }

  add(buckets: Iterable<Bucket>): this {
    for (const b of buckets) {
      this.counts[b.index] += b.count;
      this.total += b.count;
    }
    return this;
  }

  merge(other: Histogram): this {
    for (let i = 0; i < HISTOGRAM_BUCKETS; i++) this.counts[i] += other.counts[i];
    this.total += other.total;
    return this;
  }

  /** Non-empty buckets, ascending: the wire's sparse form. */
  buckets(): Bucket[] {
    const out: Bucket[] = [];
    for (let i = 0; i < HISTOGRAM_BUCKETS; i++) if (this.counts[i] > 0) out.push({ index: i, count: this.counts[i] });
    return out;
  }

  /**
   * The q-quantile (0 < q ≤ 1) in milliseconds, interpolated within its
   * bucket; undefined when empty. The nearest-rank definition: the smallest
   * value with at least q of the samples at or below it.
   */
  quantile(q: number): number | undefined {
    if (this.total === 0) return undefined;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let i = 0; i < HISTOGRAM_BUCKETS; i++) {
      const c = this.counts[i];
      if (c === 0) continue;
      if (seen + c >= rank) {
        const [lo, hi] = bucketBounds(i);
        return lo + ((hi - lo) * (rank - seen)) / c;
      }
      seen += c;
    }
    return undefined;
  }
}

/** Why a histogram from the wire cannot be a histogram of real samples, or undefined when it can. */
export function histogramProblem(buckets: readonly Bucket[]): string | undefined {
  let last = -1;
  for (const b of buckets) {
    if (!Number.isInteger(b.index) || b.index < 0 || b.index >= HISTOGRAM_BUCKETS) return `bucket index ${b.index} is out of range (0 to ${HISTOGRAM_BUCKETS - 1})`;
    if (b.index <= last) return `bucket ${b.index} is out of order or repeated: indexes must ascend`;
    if (!Number.isInteger(b.count) || b.count < 1) return `bucket ${b.index} has count ${b.count}: a listed bucket counts at least one sample`;
    last = b.index;
  }
  return undefined;
}

/** The sparse buckets in a compact blob (index byte, then the count as a LEB128 varint), for storage. */
export function encodeBuckets(buckets: readonly Bucket[]): Uint8Array {
  const out: number[] = [];
  for (const b of buckets) {
    out.push(b.index);
    let c = b.count;
    while (c >= 0x80) {
      out.push((c % 0x80) | 0x80);
      c = Math.floor(c / 0x80);
    }
    out.push(c);
  }
  return Uint8Array.from(out);
}

export function decodeBuckets(blob: Uint8Array): Bucket[] {
  const out: Bucket[] = [];
  let i = 0;
  while (i < blob.length) {
    const index = blob[i++];
    let count = 0;
    let scale = 1;
    for (;;) {
      const byte = blob[i++];
      count += (byte & 0x7f) * scale;
      if (byte < 0x80) break;
      scale *= 0x80;
    }
    out.push({ index, count });
  }
  return out;
}
