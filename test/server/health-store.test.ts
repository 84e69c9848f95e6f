// The SQLite health store on a real file: batches stored once, windows of a
// minute merged exactly, cohort totals, series, saturation, a node's probes,
// and retention (hours kept past the minutes, nothing counted twice).
import BetterSqlite3 from "better-sqlite3";
import t from "tap";
import { decodeBuckets, encodeBuckets, Histogram } from "../../catalog/health/histogram.js";
import { encodeDense, mergeEncoded } from "../../server/store/sqlite/health.js";
import { HEALTH_RETENTION, HOUR_MS, MINUTE_MS, type HealthBatch, type ProbeTotals, type ProbeWindowRecord, type SaturationRecord } from "../../server/store/index.js";
import { createLogger } from "../../server/log.js";
import { scheduleRetention } from "../../server/store/retention.js";
import { tempStore } from "./_helpers.js";

const T0 = Date.parse("2026-03-01T10:00:00Z");
const at = (offsetMs: number): Date => new Date(T0 + offsetMs);
const DAY_MS = 86_400_000;

/** A probe window with these latencies (ms) answered, plus `timeouts` attempts that got none. */
function probeWindow(probe: string, when: Date, latencies: number[], o: { timeouts?: number; status?: number; siteVersion?: string } = {}): ProbeWindowRecord {
  const h = new Histogram();
  for (const l of latencies) h.record(l);
  const timeout = o.timeouts ?? 0;
  return {
    probe,
    at: when,
    durationMs: 10_000,
    siteVersion: o.siteVersion ?? "v1",
    count: latencies.length + timeout,
    errors: { timeout, refused: 0, status: o.status ?? 0, body: 0 },
    latency: h.buckets(),
  };
}

function saturationWindow(when: Date, cpu: number, memory: number, load: number, disk: number | undefined): SaturationRecord {
  return { at: when, durationMs: 10_000, cpu, memory, load, disk };
}

let batches = 0;
const batch = (probes: ProbeWindowRecord[], saturation: SaturationRecord[] = [], batchId = `b-${++batches}`): HealthBatch => ({ batchId, probes, saturation });

const histogramOf = (latencies: number[]): Histogram => {
  const h = new Histogram();
  for (const l of latencies) h.record(l);
  return h;
};

/** Totals as plain data, the histogram as its sparse buckets, for t.same. */
const plain = (x: ProbeTotals) => ({ nodes: x.nodes, count: x.count, errors: x.errors, latency: x.latency.buckets(), samples: x.latency.total });

const latencies = (n: number, seed: number): number[] => Array.from({ length: n }, (_, i) => ((i * 7919 + seed * 104_729) % 5000) / 10 + 0.5);

t.test("a redelivered batch (same id from the same node) is stored once", async (t) => {
  const { store } = tempStore(t);
  const first = batch([probeWindow("web", at(10_000), [5, 6, 7])], [], "batch-1");
  t.equal(await store.health.saveHealth("web-01", first, at(11_000)), true, "first delivery stored");
  const again = batch([probeWindow("web", at(20_000), [500, 600], { timeouts: 3 })], [saturationWindow(at(20_000), 1, 1, 1, 1)], "batch-1");
  t.equal(await store.health.saveHealth("web-01", again, at(21_000)), false, "redelivery not stored");
  const totals = await store.health.probeTotals("web", undefined, at(0), at(HOUR_MS));
  t.same(plain(totals), plain({ nodes: 1, count: 3, errors: { timeout: 0, refused: 0, status: 0, body: 0 }, latency: histogramOf([5, 6, 7]) }), "only the first delivery counts");
  t.same(await store.health.saturation(undefined, at(0), at(HOUR_MS)), [], "nothing of the redelivery was stored");
  t.equal(await store.health.saveHealth("web-02", again, at(21_000)), true, "batch ids are per node");
});

t.test("two windows in one minute merge into one row: counts added, histogram of all samples", async (t) => {
  const { store, file } = tempStore(t);
  const a = latencies(300, 1);
  const b = latencies(200, 2).map((l) => l * 3);
  await store.health.saveHealth("web-01", batch([probeWindow("web", at(5_000), a, { timeouts: 2, status: 1 })]), at(6_000));
  await store.health.saveHealth("web-01", batch([probeWindow("web", at(55_000), b, { status: 4 })]), at(56_000));
  // Many samples in one bucket: counts past 127 take several varint bytes in the blob.
  const same = Array.from({ length: 1000 }, () => 12.5);
  await store.health.saveHealth("web-01", batch([probeWindow("web", at(59_999), same)]), at(60_000));

  const db = new BetterSqlite3(file, { readonly: true });
  t.teardown(() => db.close());
  t.equal((db.prepare("SELECT COUNT(*) AS n FROM probe_minutes").get() as { n: number }).n, 1, "one row for the node, probe and minute");

  const totals = await store.health.probeTotals("web", undefined, at(0), at(MINUTE_MS));
  const all = [...a, ...b, ...same];
  t.same(plain(totals), plain({ nodes: 1, count: all.length + 2, errors: { timeout: 2, refused: 0, status: 5, body: 0 }, latency: histogramOf(all) }));
  t.equal(totals.latency.quantile(0.95), histogramOf(all).quantile(0.95), "the P95 is the P95 of every sample");
  t.same(
    plain(await store.health.probeTotals("web", undefined, at(MINUTE_MS), at(2 * MINUTE_MS))),
    plain({ nodes: 0, count: 0, errors: { timeout: 0, refused: 0, status: 0, body: 0 }, latency: new Histogram() }),
    "[from, to): the next minute is empty",
  );
});

t.test("totals of a cohort and of every node, over [from, to)", async (t) => {
  const { store } = tempStore(t);
  const samples: Record<string, number[]> = { "canary-1": latencies(50, 3), "canary-2": latencies(40, 4), "control-1": latencies(60, 5), "control-2": latencies(30, 6) };
  for (const [certname, l] of Object.entries(samples)) {
    await store.health.saveHealth(certname, batch([probeWindow("web", at(MINUTE_MS + 1), l, { timeouts: 1 }), probeWindow("api", at(MINUTE_MS + 2), [1, 2])]), at(2 * MINUTE_MS));
  }
  // Outside the range on both sides, and another probe: none of them count.
  await store.health.saveHealth("canary-1", batch([probeWindow("web", at(0), [999]), probeWindow("web", at(3 * MINUTE_MS), [999])]), at(4 * MINUTE_MS));

  const totals = (certnames: string[] | undefined) => store.health.probeTotals("web", certnames, at(MINUTE_MS), at(3 * MINUTE_MS));
  const expected = (names: string[]) => {
    const l = names.flatMap((n) => samples[n]);
    return plain({ nodes: names.length, count: l.length + names.length, errors: { timeout: names.length, refused: 0, status: 0, body: 0 }, latency: histogramOf(l) });
  };
  t.same(plain(await totals(["canary-1", "canary-2"])), expected(["canary-1", "canary-2"]), "the canary cohort");
  t.same(plain(await totals(["control-1", "control-2", "never-seen"])), expected(["control-1", "control-2"]), "nodes counts only nodes with data");
  t.same(plain(await totals(undefined)), expected(Object.keys(samples)), "every node");
  t.same(plain(await totals([])), plain({ nodes: 0, count: 0, errors: { timeout: 0, refused: 0, status: 0, body: 0 }, latency: new Histogram() }), "an empty cohort");
  t.equal((await store.health.probeTotals("api", undefined, at(MINUTE_MS), at(3 * MINUTE_MS))).count, 8, "each probe apart");
});

t.test("a series has one entry per minute with data, ascending", async (t) => {
  const { store } = tempStore(t);
  await store.health.saveHealth("web-01", batch([probeWindow("web", at(3 * MINUTE_MS + 5), [30]), probeWindow("web", at(MINUTE_MS + 5), [10, 11])]), at(4 * MINUTE_MS));
  await store.health.saveHealth("web-02", batch([probeWindow("web", at(MINUTE_MS + 30_000), [12], { timeouts: 1 })]), at(4 * MINUTE_MS));
  const series = await store.health.probeSeries("web", undefined, at(0), at(10 * MINUTE_MS));
  t.same(
    series.map((s) => [s.at.getTime() - T0, s.totals.nodes, s.totals.count, s.totals.errors.timeout, s.totals.latency.total]),
    [
      [MINUTE_MS, 2, 4, 1, 3],
      [3 * MINUTE_MS, 1, 1, 0, 1],
    ],
  );
  t.same(plain(series[0].totals).latency, histogramOf([10, 11, 12]).buckets());
  t.same(
    (await store.health.probeSeries("web", ["web-02"], at(0), at(10 * MINUTE_MS))).map((s) => s.at.getTime() - T0),
    [MINUTE_MS],
    "for a cohort",
  );
});

t.test("saturation: per-node means over windows, the fullest disk, minutes with data", async (t) => {
  const { store } = tempStore(t);
  await store.health.saveHealth(
    "web-01",
    batch([], [saturationWindow(at(10_000), 0.2, 0.5, 1, 0.3), saturationWindow(at(40_000), 0.4, 0.7, 3, undefined), saturationWindow(at(MINUTE_MS + 1), 0.6, 0.6, 2, 0.9)]),
    at(2 * MINUTE_MS),
  );
  await store.health.saveHealth("web-02", batch([], [saturationWindow(at(20_000), 0.1, 0.2, 0.5, undefined)]), at(2 * MINUTE_MS));
  await store.health.saveHealth("web-03", batch([], [saturationWindow(at(2 * MINUTE_MS), 1, 1, 1, 1)]), at(3 * MINUTE_MS));

  const rounded = (rows: Awaited<ReturnType<typeof store.health.saturation>>) =>
    rows.map((r) => ({ ...r, cpu: Number(r.cpu.toFixed(9)), memory: Number(r.memory.toFixed(9)), load: Number(r.load.toFixed(9)) }));
  t.same(rounded(await store.health.saturation(undefined, at(0), at(2 * MINUTE_MS))), [
    { certname: "web-01", minutes: 2, cpu: 0.4, memory: 0.6, load: 2, disk: 0.9 },
    { certname: "web-02", minutes: 1, cpu: 0.1, memory: 0.2, load: 0.5, disk: 0 },
  ]);
  t.same(
    (await store.health.saturation(["web-02", "web-03"], at(0), at(3 * MINUTE_MS))).map((r) => r.certname),
    ["web-02", "web-03"],
    "for a cohort",
  );
  t.same((await store.health.saturation(["web-01"], at(0), at(MINUTE_MS)))[0].disk, 0.3, "a window without mounts leaves the disk as it was");
});

t.test("a node's probes over a window, by probe name", async (t) => {
  const { store } = tempStore(t);
  await store.health.saveHealth("web-01", batch([probeWindow("web", at(1), [5]), probeWindow("api", at(2), [1, 2], { status: 1 }), probeWindow("web", at(MINUTE_MS), [6])]), at(2 * MINUTE_MS));
  await store.health.saveHealth("web-02", batch([probeWindow("db", at(1), [5])]), at(2 * MINUTE_MS));
  const probes = await store.health.nodeProbes("web-01", at(0), at(2 * MINUTE_MS));
  t.same(
    probes.map((p) => ({ probe: p.probe, ...plain(p.totals) })),
    [
      { probe: "api", ...plain({ nodes: 1, count: 2, errors: { timeout: 0, refused: 0, status: 1, body: 0 }, latency: histogramOf([1, 2]) }) },
      { probe: "web", ...plain({ nodes: 1, count: 2, errors: { timeout: 0, refused: 0, status: 0, body: 0 }, latency: histogramOf([5, 6]) }) },
    ],
  );
  t.same(await store.health.nodeProbes("web-03", at(0), at(2 * MINUTE_MS)), [], "a node without data");
});

t.test("retention: hours outlive the minutes with the same totals, nothing counted twice, all gone past retention", async (t) => {
  const { store, file } = tempStore(t);
  // Three hours of one window a minute from two nodes, one batch per node and minute.
  const all: number[] = [];
  const byMinute: number[][] = [];
  let windows = 0;
  for (let m = 0; m < 180; m++) {
    byMinute[m] = [];
    for (const certname of ["web-01", "web-02"]) {
      const l = latencies(5, m * 2 + (certname === "web-01" ? 0 : 1));
      all.push(...l);
      byMinute[m].push(...l);
      windows++;
      await store.health.saveHealth(
        certname,
        batch([probeWindow("web", at(m * MINUTE_MS + 30_000), l, { timeouts: m % 2 })], [saturationWindow(at(m * MINUTE_MS), 0.5, 0.5, 0.5, 0.5)]),
        at(m * MINUTE_MS + 31_000),
      );
    }
  }
  const expected = plain({ nodes: 2, count: all.length + 180, errors: { timeout: 180, refused: 0, status: 0, body: 0 }, latency: histogramOf(all) });
  const range = [at(0), at(3 * HOUR_MS)] as const;
  const totals = async () => plain(await store.health.probeTotals("web", undefined, ...range));
  t.same(await totals(), expected, "whole hours");
  // Partial hours at both ends (minutes 20 to 159): the ends from minute rows, hour 1 from its hour row.
  // Each minute: 2 nodes, 5 samples each, and a timeout from each node in odd minutes.
  const part = byMinute.slice(20, 160).flat();
  t.same(
    plain(await store.health.probeTotals("web", ["web-01", "web-02"], at(20 * MINUTE_MS), at(160 * MINUTE_MS))),
    plain({ nodes: 2, count: part.length + 140, errors: { timeout: 140, refused: 0, status: 0, body: 0 }, latency: histogramOf(part) }),
    "partial hours",
  );
  t.same(
    plain(await store.health.probeTotals("web", undefined, at(20 * MINUTE_MS), at(50 * MINUTE_MS))),
    plain({ nodes: 2, count: 300 + 30, errors: { timeout: 30, refused: 0, status: 0, body: 0 }, latency: histogramOf(byMinute.slice(20, 50).flat()) }),
    "inside one hour",
  );

  const db = new BetterSqlite3(file, { readonly: true });
  t.teardown(() => db.close());
  const rows = (table: string): number => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  t.same([rows("probe_minutes"), rows("probe_hours"), rows("saturation_minutes"), rows("health_batches")], [360, 6, 360, 360]);

  // A day and a half on: the minutes are rolled up (past rollUpAfterMs) but kept; only batch ids go.
  t.equal(await store.health.pruneHealth(at(HEALTH_RETENTION.rollUpAfterMs + 12 * HOUR_MS)), 360, "batch ids a day old deleted");
  t.same(await totals(), expected, "unchanged");
  t.equal((await store.health.probeSeries("web", undefined, ...range)).length, 180, "still per minute");

  // Past the minute retention: minutes and saturation deleted, totals from the hour rows.
  const later = at(HEALTH_RETENTION.minutesMs + 4 * HOUR_MS);
  t.equal(await store.health.pruneHealth(later), 720, "minutes and saturation minutes deleted");
  t.same([rows("probe_minutes"), rows("probe_hours"), rows("saturation_minutes"), rows("health_batches")], [0, 6, 0, 0]);
  t.same(await totals(), expected, "the same totals from hour rows");
  const series = await store.health.probeSeries("web", undefined, ...range);
  t.same(
    series.map((s) => [s.at.getTime() - T0, s.totals.count]),
    [0, 1, 2].map((h) => [h * HOUR_MS, 2 * 60 * 5 + 2 * 30]),
    "one entry per hour",
  );
  t.same(
    (await store.health.nodeProbes("web-01", ...range)).map((p) => p.totals.count),
    [60 * 3 * 5 + 90],
    "a node's probes from hours too",
  );
  t.same(await store.health.saturation(undefined, ...range), [], "saturation is kept in minutes only");

  t.equal(await store.health.pruneHealth(later), 0, "a second prune deletes nothing");
  t.same(await totals(), expected, "and counts nothing twice");

  // A window that arrives late, into an hour whose minutes are gone, still counts once (in its hour).
  t.equal(await store.health.saveHealth("web-03", batch([probeWindow("web", at(HOUR_MS + 1), [1])]), later), true);
  t.equal(rows("probe_minutes"), 0, "no lone minute row in an hour read from hours");
  t.equal((await store.health.probeTotals("web", undefined, ...range)).count, expected.count + 1);

  t.equal(await store.health.pruneHealth(at(HEALTH_RETENTION.hoursMs + 3 * HOUR_MS)), 7 + 1, "hour rows (the late one's too) and the late batch id deleted past retention");
  t.equal((await store.health.probeTotals("web", undefined, ...range)).nodes, 0, "nothing left");
  t.equal(windows, 360);
});

t.test("a range starting inside the hours kept only as hours counts the hours that start in it", async (t) => {
  const { store } = tempStore(t);
  for (const h of [0, 1, 2]) await store.health.saveHealth("web-01", batch([probeWindow("web", at(h * HOUR_MS + 30 * MINUTE_MS), [h + 1])]), at(h * HOUR_MS + 31 * MINUTE_MS));
  await store.health.pruneHealth(at(DAY_MS * 3));
  const starts = async (fromMs: number, toMs: number) => (await store.health.probeSeries("web", undefined, at(fromMs), at(toMs))).map((s) => s.at.getTime() - T0);
  t.same(await starts(0, 3 * HOUR_MS), [0, HOUR_MS, 2 * HOUR_MS]);
  t.same(await starts(10 * MINUTE_MS, 2 * HOUR_MS + 40 * MINUTE_MS), [HOUR_MS, 2 * HOUR_MS], "an hour counts when it starts in [from, to)");
});

t.test("a range across the split reads hours, then minutes, and counts a node in both once", async (t) => {
  const { store } = tempStore(t);
  for (const h of [0, 1, 2]) await store.health.saveHealth("web-01", batch([probeWindow("web", at(h * HOUR_MS + 30 * MINUTE_MS), [1])]), at(h * HOUR_MS + 31 * MINUTE_MS));
  await store.health.saveHealth("web-02", batch([probeWindow("web", at(2 * HOUR_MS + 30 * MINUTE_MS), [2])]), at(2 * HOUR_MS + 31 * MINUTE_MS));
  // Minutes of hours 0 and 1 deleted; hour 2 still in minutes.
  await store.health.pruneHealth(at(HEALTH_RETENTION.minutesMs + 2 * HOUR_MS));
  const range = [at(0), at(3 * HOUR_MS)] as const;
  t.match(await store.health.probeTotals("web", undefined, ...range), { nodes: 2, count: 4 });
  t.match(await store.health.probeTotals("web", ["web-01"], ...range), { nodes: 1, count: 3 });
  t.same(
    (await store.health.probeSeries("web", undefined, ...range)).map((s) => [s.at.getTime() - T0, s.totals.nodes]),
    [
      [0, 1],
      [HOUR_MS, 1],
      [2 * HOUR_MS + 30 * MINUTE_MS, 2],
    ],
  );
  t.same(
    (await store.health.nodeProbes("web-01", ...range)).map((p) => [p.probe, p.totals.nodes, p.totals.count]),
    [["web", 1, 3]],
  );
});

t.test("the stored blobs are encodeBuckets' bytes, merged exactly, large counts too", async (t) => {
  const a = histogramOf(latencies(500, 7));
  const b = histogramOf([...latencies(300, 8), ...Array.from({ length: 200 }, () => 3)]);
  const big = new Histogram().add([
    { index: 0, count: 2 ** 40 + 5 },
    { index: 255, count: 300 },
  ]);
  for (const [x, y] of [
    [a, b],
    [a, new Histogram()],
    [big, a],
  ]) {
    const sum = new Histogram().merge(x).merge(y);
    t.same(mergeEncoded(encodeBuckets(x.buckets()), encodeBuckets(y.buckets())), Buffer.from(encodeBuckets(sum.buckets())));
    t.same(encodeDense(sum.counts), Buffer.from(encodeBuckets(sum.buckets())));
    t.same(decodeBuckets(encodeDense(sum.counts)), sum.buckets());
  }
});

t.test("the retention schedule prunes health data in its rounds, even when reports are kept forever", async (t) => {
  const { store } = tempStore(t);
  await store.health.saveHealth("web-01", batch([probeWindow("web", at(0), [1])], [saturationWindow(at(0), 0.1, 0.1, 0.1, 0.1)]), at(0));
  const schedule = scheduleRetention(store, { days: 0, now: () => at(HEALTH_RETENTION.hoursMs + DAY_MS), logger: createLogger("test", { level: "silent" }) });
  await new Promise((resolve) => setImmediate(resolve)); // the first round under way
  await schedule.stop();
  t.equal((await store.health.probeTotals("web", undefined, at(0), at(HOUR_MS))).count, 0, "past every retention: gone");
  t.equal(await store.health.saveHealth("web-01", batch([], [], "again"), at(1)), true);
});
