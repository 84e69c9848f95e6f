// The on-disk health queue: bounded (oldest dropped, counted), oldest first,
// survives a restart (a new queue over the same dir), never half-written.
import t from "tap";
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
  t.same(left.map((b) => Number(b.probes[0].endedAtMs)), [3000, 4000, 5000], "after a restart: the newest three, oldest first");
  t.equal(left[0].probes[0].count, 3);
  t.same(left[0].probes[0].latency.map((b) => [b.index, b.count]), [[90, 2]]);
  await q.remove(left[0].batchId);
  await q.remove(left[0].batchId);
  t.equal((await q.list()).length, 2);
});

t.test("never half-written: no temp file is read as a batch; a broken file is moved aside", async (t) => {
  const layout = stateLayout(t.testdir({}));
  const q = new HealthQueue(layout);
  await q.add(batch(1000));
  await writeFile(join(layout.healthDir, ".ancla-tmp-999999-0000000001000-aaaaaaaaaaaa.json.0123456789ab"), "{\"batchId\":");
  await writeFile(join(layout.healthDir, "0000000002000-bbbbbbbbbbbb.json"), "{\"batchId\":");
  t.equal((await q.list()).length, 1);
  t.same(await readdir(layout.badHealthDir), ["0000000002000-bbbbbbbbbbbb.json"]);
  t.notOk((await readdir(layout.healthDir)).some((n) => n.startsWith(".ancla-tmp-") && !n.includes("999999")), "add leaves no temp file");
});

t.test("the sender queues what the server does not take and delivers it oldest first on the next send", async (t) => {
  const { HealthSender } = await import("../../agent/health/sender.js");
  const { AnclaError } = await import("../../proto/errors.js");
  const layout = stateLayout(t.testdir({}));
  let away = true;
  const got: string[] = [];
  let clock = 1000;
  const sender = new HealthSender(new HealthQueue(layout), async (b) => {
    if (away) throw new AnclaError("ANCLA_E_SERVER_UNREACHABLE", "away");
    t.ok(b.sentAtMs !== undefined, "sent_at_ms is set at sending");
    got.push(String(b.probes?.[0]?.probe));
  }, undefined, () => clock);
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
