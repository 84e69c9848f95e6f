// The probe scheduler: a probe never overlaps itself, concurrency is bounded
// across probes, windows count attempts, stop() waits for attempts under way.
import t from "tap";
import { setTimeout as sleep } from "node:timers/promises";
import { ProbeScheduler } from "../../agent/health/scheduler.js";
import type { Probe } from "../../catalog/model.js";

const command = (name: string, cmd: string, every: number, timeout = 5): Probe => ({ name, command: { command: cmd }, every, timeout });

t.test("a probe slower than its interval skips its slots instead of overlapping; windows count what ran", async (t) => {
  const s = new ProbeScheduler({ random: () => 0 });
  s.setProbes([command("slow", "sleep 0.5", 0.1), command("fast", "true", 0.1)], "v1");
  await sleep(1100);
  await s.stop();
  const windows = s.cut();
  const slow = windows.find((w) => w.probe === "slow")!;
  const fast = windows.find((w) => w.probe === "fast")!;
  t.ok(slow.count! >= 1 && slow.count! <= 3, `slow ran ${slow.count} times, never overlapping`);
  t.ok(s.skips().slow >= 5, `slow skipped ${s.skips().slow} slots`);
  t.ok(fast.count! >= 6, `fast ran ${fast.count} times`);
  t.equal(slow.siteVersion, "v1");
  t.same(slow.latency!.length > 0, true, "answered attempts are in the histogram");
});

t.test("concurrency across probes is bounded; stop() waits for attempts under way", async (t) => {
  let running = 0;
  let most = 0;
  let ended = 0;
  const s = new ProbeScheduler({
    concurrency: 2,
    random: () => 0,
    attempt: async () => {
      most = Math.max(most, ++running);
      await sleep(150);
      running--;
      ended++;
      return { outcome: "ok", latencyMs: 150 };
    },
  });
  s.setProbes(
    ["a", "b", "c", "d", "e"].map((n) => command(n, "true", 0.05)),
    "v1",
  );
  await sleep(400);
  await s.stop();
  t.equal(most, 2, "never more than 2 at once");
  t.equal(running, 0, "stop() returned after every attempt ended");
  t.equal(
    s.cut().reduce((sum, w) => sum + (w.count ?? 0), 0),
    ended,
    "every ended attempt is in a window",
  );
});

t.test("a new site version closes open windows; a removed probe's window is handed out; kept probes keep counting", async (t) => {
  const s = new ProbeScheduler({ random: () => 0 });
  s.setProbes([command("a", "true", 0.05), command("b", "exit 1", 0.05)], "v1");
  await sleep(300);
  s.setProbes([command("a", "true", 0.05)], "v2");
  await sleep(300);
  await s.stop();
  const w = s.cut();
  t.ok(
    w.some((x) => x.probe === "b" && x.siteVersion === "v1" && x.errorsStatus === x.count),
    "b's window: v1, all status errors",
  );
  t.ok(
    w.some((x) => x.probe === "a" && x.siteVersion === "v1"),
    "a's v1 window",
  );
  t.ok(
    w.some((x) => x.probe === "a" && x.siteVersion === "v2" && (x.count ?? 0) > 0),
    "a goes on counting under v2",
  );
  t.notOk(
    w.some((x) => x.probe === "b" && x.siteVersion === "v2"),
    "b is gone",
  );
});
