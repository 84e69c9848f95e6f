// The on-disk health queue: bounded (oldest dropped, counted), oldest first,
// survives a restart (a new queue over the same dir), never half-written.
import t, { type Test } from "tap";
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { HealthQueue, newBatchId } from "../../agent/health/queue.js";
import { stateLayout } from "../../agent/state/layout.js";

const batch = (at: number) => ({ batchId: newBatchId(at), probes: [{ probe: "web", endedAtMs: BigInt(at), durationMs: 10000, count: 3, errorsTimeout: 1, latency: [{ index: 90, count: 2 }] }] });

t.test("bounded: the oldest batches go first, and how many is told", async (t) => {
  const layout = stateLayout(t.testdir({}));
  const q = new HealthQueue(layout, 3);
  const dropped: number[] = [];
  for (const at of [5000, 1000, 3000, 2000, 4000]) dropped.push(await q.add(batch(at)));
  t.same(dropped, [0, 0, 0, 1, 1]);
  const left = await new HealthQueue(layout, 3).list();
  t.same(
    left.map((b) => Number(b.probes[0].endedAtMs)),
    [3000, 4000, 5000],
    "after a restart: the newest three, oldest first",
  );
  t.equal(left[0].probes[0].count, 3);
  t.same(
    left[0].probes[0].latency.map((b) => [b.index, b.count]),
    [[90, 2]],
  );
  await q.remove(left[0].batchId);
  await q.remove(left[0].batchId);
  t.equal((await q.list()).length, 2);
});

t.test("never half-written: no temp file is read as a batch; a broken file is moved aside", async (t) => {
  const layout = stateLayout(t.testdir({}));
  const q = new HealthQueue(layout);
  await q.add(batch(1000));
  await writeFile(join(layout.healthDir, ".ancla-tmp-999999-0000000001000-aaaaaaaaaaaa.json.0123456789ab"), '{"batchId":');
  await writeFile(join(layout.healthDir, "0000000002000-bbbbbbbbbbbb.json"), '{"batchId":');
  t.equal((await q.list()).length, 1);
  t.same(await readdir(layout.badHealthDir), ["0000000002000-bbbbbbbbbbbb.json"]);
  t.notOk(
    (await readdir(layout.healthDir)).some((n) => n.startsWith(".ancla-tmp-") && !n.includes("999999")),
    "add leaves no temp file",
  );
});

t.test("the sender queues what the server does not take and delivers it oldest first on the next send", async (t) => {
  const { HealthSender } = await import("../../agent/health/sender.js");
  const { AnclaError } = await import("../../core/errors.js");
  const layout = stateLayout(t.testdir({}));
  let away = true;
  const got: string[] = [];
  let clock = 1000;
  const sender = new HealthSender(
    new HealthQueue(layout),
    async (b) => {
      if (away) throw new AnclaError("ANCLA_E_SERVER_UNREACHABLE", "away");
      t.ok(b.sentAtMs !== undefined, "sent_at_ms is set at sending");
      got.push(String(b.probes?.[0]?.probe));
    },
    undefined,
    () => clock,
  );
  const w = (probe: string) => [{ probe, count: 1 }];
  t.match(await sender.flush(w("one"), []), { delivered: 0, queued: 1 });
  clock = 2000;
  t.match(await sender.flush(w("two"), []), { delivered: 0, queued: 1 });
  away = false;
  clock = 3000;
  t.match(await sender.flush(w("three"), []), { delivered: 3, queued: 0 });
  t.same(got, ["one", "two", "three"]);
  t.same(await new HealthQueue(layout).list(), [], "the queue is empty");
});

// Lazy delivery and several windows per queued batch. Every read of a queued
// file goes through HealthQueue.read, counted here.
class CountingQueue extends HealthQueue {
  reads = 0;
  protected override async read(name: string): Promise<string> {
    this.reads++;
    return super.read(name);
  }
}

/** Window `i` of a flush: one probe window and one saturation window, both ending at `i` seconds. */
const windowOf = (i: number) => ({
  probes: [{ probe: "web", endedAtMs: BigInt(i * 1000), durationMs: 1000, count: 1, latency: [{ index: 5, count: 1 }] }],
  saturation: [{ endedAtMs: BigInt(i * 1000), durationMs: 1000, cpuBusy: 0.5 }],
});
const endedOf = (b: { probes?: { endedAtMs?: bigint }[] }) => (b.probes ?? []).map((w) => Number(w.endedAtMs) / 1000);

/** A sender over a counting queue whose server is away until `server.away` is false; what it took, in order. */
async function harness(t: Test, layout: ReturnType<typeof stateLayout>, windowsPerBatch?: number, entriesPerBatch?: number, clockFrom = 1_000_000) {
  const { HealthSender } = await import("../../agent/health/sender.js");
  const { AnclaError } = await import("../../core/errors.js");
  const server = { away: true, takes: (_id: string) => !server.away, attempts: [] as string[], delivered: [] as { batchId: string; ended: number[]; saturation: number; sentAtMs?: bigint }[] };
  const queue = new CountingQueue(layout, undefined, windowsPerBatch, entriesPerBatch);
  let clock = clockFrom;
  const sender = new HealthSender(
    queue,
    async (b) => {
      server.attempts.push(b.batchId);
      if (!server.takes(b.batchId)) throw new AnclaError("ANCLA_E_SERVER_UNREACHABLE", "away");
      t.equal(b.sentAtMs, BigInt(clock), "sent_at_ms is the clock at the attempt");
      server.delivered.push({ batchId: b.batchId, ended: endedOf(b), saturation: b.saturation?.length ?? 0, sentAtMs: b.sentAtMs });
    },
    undefined,
    () => clock,
  );
  const flush = (i: number) => {
    clock += 1000;
    const w = windowOf(i);
    return sender.flush(w.probes, w.saturation);
  };
  return { queue, sender, server, flush };
}

const files = async (dir: string) => (await readdir(dir)).filter((n) => n.endsWith(".json")).sort();
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => from + k);

for (const bound of [undefined, 7]) {
  t.test(`server away for 100 flushes (${bound ?? "default"} windows a batch): few files, one read a flush, then every window once, oldest first`, async (t) => {
    const { MAX_MERGED_WINDOWS } = await import("../../agent/health/queue.js");
    const per = bound ?? MAX_MERGED_WINDOWS;
    const layout = stateLayout(t.testdir({}));
    const { queue, server, flush } = await harness(t, layout, bound);
    const readsPerFlush: number[] = [];
    for (let i = 1; i <= 100; i++) {
      const before = queue.reads;
      t.match(await flush(i), { delivered: 0, queued: 1, dropped: 0 });
      readsPerFlush.push(queue.reads - before);
    }
    t.ok(
      readsPerFlush.every((n) => n <= 1),
      `at most one queued file read a flush: ${[...new Set(readsPerFlush)].join(",")}`,
    );
    // The first window of the outage was tried on its own (the server may have stored it): a batch by itself; the 99 after it share files.
    const queued = await files(layout.healthDir);
    t.equal(queued.length, 1 + Math.ceil(99 / per), `${queued.length} files for 100 windows, not 100`);
    const batches = await new HealthQueue(layout).list();
    t.same(
      batches.map((b) => b.probes.length),
      [1, ...range(1, Math.ceil(99 / per)).map((k) => Math.min(per, 99 - (k - 1) * per))],
    );
    t.ok(
      batches.every((b) => b.saturation.length === b.probes.length),
      "saturation windows travel with their probe windows",
    );
    t.same(batches.flatMap(endedOf), range(1, 100), "each window keeps its own end, in order");

    server.away = false;
    const before = queue.reads;
    t.match(await flush(101), { delivered: queued.length + 1, queued: 0 });
    t.equal(queue.reads - before, queued.length, "each queued file read once");
    t.same(
      server.delivered.flatMap((b) => b.ended),
      range(1, 101),
      "every window delivered exactly once, oldest first",
    );
    t.equal(
      server.delivered.reduce((n, b) => n + b.saturation, 0),
      101,
    );
    t.same(
      server.delivered.slice(0, -1).map((b) => b.batchId),
      queued.map((n) => n.replace(/\.json$/, "")),
    );
    t.same(await files(layout.healthDir), [], "the queue is empty");
  });
}

t.test("a batch that was attempted (its send failed) is never merged into afterwards", async (t) => {
  const layout = stateLayout(t.testdir({}));
  const { server, flush } = await harness(t, layout);
  await flush(1); // tried alone, failed: queued closed
  await flush(2); // queued open
  await flush(3); // merged into 2's batch
  const [first, second] = await files(layout.healthDir);
  const firstId = first.replace(/\.json$/, "");
  const secondId = second.replace(/\.json$/, "");
  // The server takes the first batch only: the second is attempted and fails.
  server.takes = (id) => id === firstId;
  t.match(await flush(4), { delivered: 1, queued: 1 });
  t.ok(server.attempts.includes(secondId), "the open batch was attempted");
  let batches = await new HealthQueue(layout).list();
  t.same(
    batches.map((b) => [b.batchId === secondId, endedOf(b)]),
    [
      [true, [2, 3]],
      [false, [4]],
    ],
    "window 4 went to a new batch, not the attempted one",
  );
  server.takes = () => false;
  await flush(5);
  await flush(6);
  batches = await new HealthQueue(layout).list();
  t.same(
    batches.map(endedOf),
    [
      [2, 3],
      [4, 5, 6],
    ],
    "later windows join the new batch; the attempted one stays as it was tried",
  );
  server.away = false;
  server.takes = () => true;
  await flush(7);
  t.same(
    server.delivered.map((b) => b.ended),
    [[1], [2, 3], [4, 5, 6], [7]],
    "every window once, oldest first",
  );
});

t.test("after a restart (a new queue and sender on the same dir) the batches on disk are not merged into", async (t) => {
  const layout = stateLayout(t.testdir({}));
  const before = await harness(t, layout);
  for (let i = 1; i <= 5; i++) await before.flush(i);
  t.same((await new HealthQueue(layout).list()).map(endedOf), [[1], [2, 3, 4, 5]]);
  const after = await harness(t, layout, undefined, undefined, 2_000_000);
  for (let i = 6; i <= 8; i++) {
    const reads = after.queue.reads;
    await after.flush(i);
    t.equal(after.queue.reads - reads, 1, "one read a flush after the restart too");
  }
  t.same((await new HealthQueue(layout).list()).map(endedOf), [[1], [2, 3, 4, 5], [6, 7, 8]], "a new batch for the new process's windows");
  after.server.away = false;
  await after.flush(9);
  t.same(
    after.server.delivered.map((b) => b.ended),
    [[1], [2, 3, 4, 5], [6, 7, 8], [9]],
  );
});

t.test("a merged batch stays within the server's windows a batch", async (t) => {
  const layout = stateLayout(t.testdir({}));
  const { server, flush } = await harness(t, layout, 100, 5);
  for (let i = 1; i <= 6; i++) await flush(i); // 2 windows each flush: at most 2 flushes (4) a batch under 5
  const batches = await new HealthQueue(layout).list();
  t.same(batches.map(endedOf), [[1], [2, 3], [4, 5], [6]]);
  t.ok(batches.every((b) => b.probes.length + b.saturation.length <= 5));
  server.away = false;
  await flush(7);
  t.same(
    server.delivered.flatMap((b) => b.ended),
    range(1, 7),
  );
});

t.test("lazy delivery keeps the rules: a refused batch is dropped and logged, a broken file moved aside, the fresh batch last", async (t) => {
  const { HealthSender } = await import("../../agent/health/sender.js");
  const { AnclaError } = await import("../../core/errors.js");
  const layout = stateLayout(t.testdir({}));
  const queue = new CountingQueue(layout);
  const [a, bad, refused, b] = [batch(1000), newBatchId(2000), batch(3000), batch(4000)];
  await queue.add(a);
  await writeFile(join(layout.healthDir, `${bad}.json`), '{"batchId":');
  await queue.add(refused);
  await queue.add(b);
  const got: string[] = [];
  const lines: string[] = [];
  let clock = 9000;
  const sender = new HealthSender(
    queue,
    async (x) => {
      t.equal(x.sentAtMs, BigInt(clock), "sent_at_ms set at the attempt");
      clock += 10;
      if (x.batchId === refused.batchId) throw new AnclaError("ANCLA_E_INVALID_ARGUMENT", "no");
      got.push(x.batchId);
    },
    (l) => lines.push(l),
    () => clock,
  );
  t.same(await sender.flush([{ probe: "fresh", count: 1, endedAtMs: 5000n, durationMs: 1000 }], []), { delivered: 3, queued: 0, dropped: 0 });
  t.equal(got.length, 3);
  t.same(got.slice(0, 2), [a.batchId, b.batchId], "oldest first");
  t.ok(got[2] > b.batchId, "the fresh batch last");
  t.match(lines, [new RegExp(`refused batch ${refused.batchId}, dropped: .*no`)]);
  t.same(await readdir(layout.badHealthDir), [`${bad}.json`]);
  t.same(await files(layout.healthDir), []);
  t.equal(queue.reads, 4, "each queued file read once");
});

t.test("a window is never appended to a batch being taken for sending", async (t) => {
  const layout = stateLayout(t.testdir({}));
  const q = new HealthQueue(layout);
  await q.add(batch(1000), { merge: true });
  const [open] = await q.names();
  // take() first: the add that follows cannot merge into it.
  const [taken] = await Promise.all([q.take(open), q.add(batch(2000), { merge: true })]);
  t.equal(taken?.probes.length, 1);
  t.equal((await q.names()).length, 2, "a new batch, not an append to the one taken");
  t.equal((await q.list())[0].probes.length, 1, "the taken batch on disk is as it was read");
  // add() first: take() reads the merged batch whole.
  const [, newest] = await q.names();
  const [, merged] = await Promise.all([q.add(batch(3000), { merge: true }), q.take(newest)]);
  t.equal(merged?.probes.length, 2, "take() sees the appended window");
  await q.add(batch(4000), { merge: true });
  t.equal((await q.names()).length, 3, "and it is closed after");
  // A batch queued without merge (attempted, or parked) is never appended to.
  await q.add(batch(5000));
  await q.add(batch(6000), { merge: true });
  t.same(
    (await q.list()).map((b) => b.probes.length),
    [1, 2, 1, 1, 1],
  );
});

t.test("a fresh batch tried and not taken is queued closed: nothing is appended to it, even before the next flush", async (t) => {
  const layout = stateLayout(t.testdir({}));
  const { queue, server, flush } = await harness(t, layout);
  await flush(1);
  t.equal(server.attempts.length, 1, "tried on its own: the queue was empty");
  await queue.add({ batchId: newBatchId(1_500_000), ...windowOf(2) }, { merge: true });
  t.same((await new HealthQueue(layout).list()).map(endedOf), [[1], [2]]);
});
