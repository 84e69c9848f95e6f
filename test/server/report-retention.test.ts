// Retention deletes old runs in batches, keeps every node's latest run, and
// leaves node status, summaries and the drift history as they were.
import t from "tap";
import { driftHistory, fleetSummary, listNodes } from "../../server/status.js";
import { pruneReports, scheduleRetention } from "../../server/store/retention.js";
import { createLogger } from "../../server/log.js";
import { EventResult, ReportStatus } from "../../proto/gen/ancla/v1/agent_pb.js";
import { report, tempStore } from "./_helpers.js";

const now = new Date("2026-03-31T12:00:00Z");
const daysAgo = (d: number): Date => new Date(now.getTime() - d * 86_400_000);

async function seed(store: ReturnType<typeof tempStore>["store"]): Promise<void> {
  // A node that never reported (no latest run) must not stop the pruning of the others.
  await store.nodes.recordCheckin("node-d", { os: { family: "debian" } }, daysAgo(1));
  // Three nodes with a run a day for 60 days; node-c stopped 45 days ago, so its latest run is old.
  for (const [certname, lastDay] of [
    ["node-a", 0],
    ["node-b", 0],
    ["node-c", 45],
  ] as const) {
    for (let d = 59; d >= lastDay; d--) {
      const corrective = d % 10 === 0;
      const events = [{ resource: `file:/etc/${d}`, property: "content", result: EventResult.CHANGED, corrective }];
      await store.reports.saveReport(report({ runId: `${certname}-${d}`, certname, status: ReportStatus.CHANGED, events, startedAt: daysAgo(d).toISOString() }), daysAgo(d));
    }
  }
}

t.test("reports past the cutoff go in batches; latest runs, summaries and rollups stay", async (t) => {
  const { store } = tempStore(t);
  await seed(store);
  const options = { now, unresponsiveAfterMs: 3 * 86_400_000 };
  const nodesBefore = await listNodes(store, options);
  const summaryBefore = await fleetSummary(store, options);
  const historyBefore = await driftHistory(store, { days: 60, now });

  const deleted = await pruneReports(store, { days: 30, batch: 7, now: () => now });
  // Runs started more than 30 days ago: node-a and node-b 29 each (days 31..59), node-c 14 (days 46..59, 45 is its latest).
  t.equal(deleted, 29 + 29 + 14);
  t.equal((await store.reports.listReports({ certname: "node-a", limit: 500 })).reports.length, 31);
  t.same(
    (await store.reports.listReports({ certname: "node-c", limit: 500 })).reports.map((r) => r.runId),
    ["node-c-45"],
    "node-c keeps its latest run",
  );
  t.equal(await store.reports.getReport("node-a-45"), undefined);
  t.same((await store.reports.reportEvents("node-a-45", { limit: 10, offset: 0 })).total, 0, "events went with their report");
  t.same(await listNodes(store, options), nodesBefore, "node list and status unchanged");
  t.same(await fleetSummary(store, options), summaryBefore);
  t.same(await driftHistory(store, { days: 60, now }), historyBefore, "the daily rollups outlive the reports");
  t.equal((await store.reports.latestReport("node-c"))?.runId, "node-c-45");

  t.equal(await pruneReports(store, { days: 30, batch: 7, now: () => now }), 0, "a second round finds nothing");
  t.equal(await pruneReports(store, { days: 0, now: () => now }), 0, "0 days keeps everything");
  await store.reports.saveReport(report({ runId: "node-c-new", certname: "node-c", startedAt: now.toISOString() }), now);
  t.equal(await pruneReports(store, { days: 30, now: () => now }), 1, "once node-c reports again, its old latest run is prunable");
});

t.test("the schedule prunes at start and stops cleanly", async (t) => {
  const { store } = tempStore(t);
  await seed(store);
  const counts: number[] = [];
  const schedule = scheduleRetention(store, { days: 30, now: () => now, logger: createLogger("test", { level: "silent" }), onPruned: (n) => counts.push(n) });
  await schedule.stop();
  t.same(counts, [72]);
});
