// The latency histogram's promise: merging windows is exact (the merge equals
// the histogram of all their samples), the wire form round-trips through the
// storage blob, and a quantile read back lies within its bucket of the truth.
import fc from "fast-check";
import t from "tap";
import { bucketBounds, bucketOf, decodeBuckets, encodeBuckets, Histogram, histogramProblem, HISTOGRAM_BUCKETS } from "../../catalog/health/histogram.js";

const latency = fc.oneof(fc.double({ min: 0, max: 4e6, noNaN: true }), fc.integer({ min: 0, max: 10_000 }));
const windows = fc.array(fc.array(latency, { maxLength: 200 }), { minLength: 1, maxLength: 12 });

function histogramOf(samples: number[]): Histogram {
  const h = new Histogram();
  for (const s of samples) h.record(s);
  return h;
}

t.test("the merge of windows equals the histogram of all samples", async (t) => {
  fc.assert(
    fc.property(windows, (ws) => {
      const merged = ws.map(histogramOf).reduce((a, b) => a.merge(b), new Histogram());
      const all = histogramOf(ws.flat());
      t.same([...merged.counts], [...all.counts]);
      t.equal(merged.total, all.total);
      // And through the wire's sparse form, as the server merges what agents send.
      const viaWire = ws.map((w) => histogramOf(w).buckets()).reduce((h, b) => h.add(b), new Histogram());
      t.same(viaWire.buckets(), all.buckets());
    }),
  );
});

t.test("the storage blob round-trips any sparse histogram", async (t) => {
  fc.assert(
    fc.property(fc.array(latency, { maxLength: 500 }), fc.integer({ min: 1, max: 2 ** 40 }), (samples, big) => {
      const buckets = histogramOf(samples).buckets();
      // A count past 2^32 (an hour-long roll-up of a busy fleet) in the last bucket.
      if (buckets.at(-1)?.index !== HISTOGRAM_BUCKETS - 1) buckets.push({ index: HISTOGRAM_BUCKETS - 1, count: big });
      t.same(decodeBuckets(encodeBuckets(buckets)), buckets);
      t.equal(histogramProblem(buckets), undefined);
    }),
  );
});

t.test("a quantile lies in the bucket of the true nearest-rank sample", async (t) => {
  fc.assert(
    fc.property(fc.array(fc.double({ min: 0.01, max: 60_000, noNaN: true }), { minLength: 1, maxLength: 300 }), fc.double({ min: 0.01, max: 1, noNaN: true }), (samples, q) => {
      const sorted = [...samples].sort((a, b) => a - b);
      const truth = sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1];
      const [lo, hi] = bucketBounds(bucketOf(truth));
      const got = histogramOf(samples).quantile(q)!;
      t.ok(got >= lo && got <= hi, `q=${q}: ${got} within [${lo}, ${hi}] of ${truth}`);
    }),
  );
});

t.test("bucket bounds grow by 9 % and hold what falls in them", async (t) => {
  for (const ms of [0, 0.0005, 0.001, 0.5, 1, 2, 99.9, 300, 2_000, 59_999]) {
    const [lo, hi] = bucketBounds(bucketOf(ms));
    t.ok(ms >= lo && ms < hi * 1.000001, `${ms} ms in [${lo}, ${hi})`);
  }
  const [lo, hi] = bucketBounds(100);
  t.ok(Math.abs(hi / lo - 2 ** (1 / 8)) < 1e-9);
  t.equal(new Histogram().quantile(0.95), undefined, "an empty histogram has no P95");
});

t.test("a histogram no agent could have measured is named", async (t) => {
  t.match(histogramProblem([{ index: 256, count: 1 }]), /out of range/);
  t.match(histogramProblem([{ index: -1, count: 1 }]), /out of range/);
  t.match(
    histogramProblem([
      { index: 4, count: 1 },
      { index: 4, count: 2 },
    ]),
    /repeated/,
  );
  t.match(
    histogramProblem([
      { index: 9, count: 1 },
      { index: 4, count: 2 },
    ]),
    /out of order/,
  );
  t.match(histogramProblem([{ index: 4, count: 0 }]), /at least one/);
  t.match(histogramProblem([{ index: 4, count: 1.5 }]), /count 1.5/);
});
