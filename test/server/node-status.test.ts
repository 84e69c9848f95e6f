import t from "tap";
import { listNodes, nodeDetail, type NodeStatus } from "../../server/status.js";
import { EventResult, ReportStatus, type Report } from "../../proto/gen/ancla/v1/agent_pb.js";
import { report, tempStore, type Teardown } from "./_helpers.js";

const now = new Date("2026-03-01T12:00:00Z");
const minutesAgo = (m: number): Date => new Date(now.getTime() - m * 60_000);

async function statusAfter(t: Teardown, setup: (store: ReturnType<typeof tempStore>["store"]) => Promise<unknown>): Promise<NodeStatus | undefined> {
  const { store } = tempStore(t);
  await setup(store);
  return (await listNodes(store, { now })).nodes.find((n) => n.certname === "web-01")?.status;
}

function run(init: Omit<Parameters<typeof report>[0], "$typeName">): Report {
  return report({ runId: `run-${Math.random()}`, certname: "web-01", ...init });
}

t.test("unchanged: the last run changed nothing", async (t) => {
  t.equal(await statusAfter(t, (s) => s.reports.saveReport(run({ status: ReportStatus.UNCHANGED }), minutesAgo(5))), "unchanged");
});

t.test("changed: the last run made intentional changes", async (t) => {
  t.equal(await statusAfter(t, (s) => s.reports.saveReport(run({ status: ReportStatus.CHANGED, events: [{ resource: "package:nginx", result: EventResult.CHANGED }] }), minutesAgo(5))), "changed");
});

t.test("drifted: a corrective event in the last run", async (t) => {
  const events = [{ resource: "file:/etc/motd", property: "content", result: EventResult.CHANGED, corrective: true }];
  t.equal(await statusAfter(t, (s) => s.reports.saveReport(run({ status: ReportStatus.CHANGED, events }), minutesAgo(5))), "drifted");
});

t.test("failed outranks drift", async (t) => {
  const events = [
    { resource: "file:/etc/motd", result: EventResult.CHANGED, corrective: true },
    { resource: "service:nginx", result: EventResult.FAILED },
  ];
  t.equal(await statusAfter(t, (s) => s.reports.saveReport(run({ status: ReportStatus.FAILED, events }), minutesAgo(5))), "failed");
});

t.test("noop-pending: a noop run held changes back", async (t) => {
  const events = [{ resource: "package:nginx", result: EventResult.NOOP }];
  t.equal(await statusAfter(t, (s) => s.reports.saveReport(run({ status: ReportStatus.NOOP, noop: true, events }), minutesAgo(5))), "noop-pending");
});

t.test("a noop run with nothing to do is unchanged", async (t) => {
  t.equal(await statusAfter(t, (s) => s.reports.saveReport(run({ status: ReportStatus.UNCHANGED, noop: true }), minutesAgo(5))), "unchanged");
});

t.test("only the latest run counts", async (t) => {
  const status = await statusAfter(t, async (s) => {
    await s.reports.saveReport(run({ status: ReportStatus.FAILED, startedAt: minutesAgo(40).toISOString() }), minutesAgo(40));
    await s.reports.saveReport(run({ status: ReportStatus.UNCHANGED, startedAt: minutesAgo(10).toISOString() }), minutesAgo(10));
  });
  t.equal(status, "unchanged");
});

t.test("compile-failed: while a compile failure stands, whatever the agent reports from its cached catalog", async (t) => {
  const problems = [{ file: "nodes.yaml", line: 1, column: 1, message: "bad" }];
  const failedAfter = await statusAfter(t, async (s) => {
    await s.reports.saveReport(run({ status: ReportStatus.UNCHANGED }), minutesAgo(20));
    await s.catalogs.recordCompileFailure("web-01", "v2", problems, minutesAgo(10));
  });
  t.equal(failedAfter, "compile-failed");
  const reportedSince = await statusAfter(t, async (s) => {
    await s.catalogs.recordCompileFailure("web-01", "v2", problems, minutesAgo(20));
    await s.reports.saveReport(run({ status: ReportStatus.UNCHANGED }), minutesAgo(10));
  });
  t.equal(reportedSince, "compile-failed", "a later run of the cached catalog does not hide it");
  const fixed = await statusAfter(t, async (s) => {
    await s.catalogs.recordCompileFailure("web-01", "v2", problems, minutesAgo(20));
    await s.catalogs.clearCompileFailure("web-01");
    await s.reports.saveReport(run({ status: ReportStatus.UNCHANGED }), minutesAgo(10));
  });
  t.equal(fixed, "unchanged", "a successful compile clears it");
});

t.test("unresponsive: no report within the threshold (default 90 minutes)", async (t) => {
  t.equal(await statusAfter(t, (s) => s.reports.saveReport(run({ status: ReportStatus.UNCHANGED }), minutesAgo(91))), "unresponsive");
  t.equal(await statusAfter(t, (s) => s.reports.saveReport(run({ status: ReportStatus.UNCHANGED }), minutesAgo(89))), "unchanged");
  t.equal(await statusAfter(t, async (s) => s.nodes.recordCheckin("web-01", {}, minutesAgo(200))), "unresponsive", "never reported, first seen long ago");
});

t.test("the threshold is a parameter", async (t) => {
  const { store } = tempStore(t);
  await store.reports.saveReport(run({ status: ReportStatus.UNCHANGED }), minutesAgo(20));
  t.equal((await listNodes(store, { now, unresponsiveAfterMs: 15 * 60_000 })).nodes[0].status, "unresponsive");
  t.equal((await listNodes(store, { now, unresponsiveAfterMs: 30 * 60_000 })).nodes[0].status, "unchanged");
});

t.test("unreported: checked in recently, no report yet", async (t) => {
  t.equal(await statusAfter(t, async (s) => s.nodes.recordCheckin("web-01", {}, minutesAgo(1))), "unreported");
});

t.test("listNodes filters by status and carries the last run's summary", async (t) => {
  const { store } = tempStore(t);
  await store.reports.saveReport(report({ runId: "a", certname: "a-01", status: ReportStatus.CHANGED, siteVersion: "v9", counts: { changed: 2, total: 5 } }), minutesAgo(1));
  await store.reports.saveReport(report({ runId: "b", certname: "b-01", status: ReportStatus.FAILED }), minutesAgo(1));
  const changed = (await listNodes(store, { now, status: "changed" })).nodes;
  t.same(
    changed.map((n) => n.certname),
    ["a-01"],
  );
  t.match(changed[0], { lastRunId: "a", siteVersion: "v9", counts: { changed: 2, total: 5 }, lastReportAt: minutesAgo(1) });
  t.same(
    (await listNodes(store, { now })).nodes.map((n) => [n.certname, n.status]),
    [
      ["a-01", "changed"],
      ["b-01", "failed"],
    ],
  );
});

t.test("nodeDetail agrees with listNodes and adds facts and the compile failure", async (t) => {
  const { store } = tempStore(t);
  await store.nodes.recordCheckin("web-01", { kernel: "linux" }, minutesAgo(2));
  await store.catalogs.recordCompileFailure("web-01", "v3", [{ file: "m.yaml", line: 2, column: 3, message: "oops" }], minutesAgo(1));
  const detail = await nodeDetail(store, "web-01", { now });
  t.equal(detail?.status, "compile-failed");
  t.same(detail?.facts, { kernel: "linux" });
  t.equal(detail?.compileFailure?.problems[0].message, "oops");
  t.equal(await nodeDetail(store, "nobody", { now }), undefined);
});
