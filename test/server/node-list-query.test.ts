// listNodes beyond status: search, fact filter, sorting, paging with totals,
// and the per-node summary it carries; fleetSummary and driftHistory.
import t from "tap";
import { driftHistory, fleetSummary, listNodes } from "../../server/status.js";
import { EventResult, ReportStatus } from "../../proto/gen/ancla/v1/agent_pb.js";
import { report, tempStore } from "./_helpers.js";

const now = new Date("2026-03-01T12:00:00Z");
const minutesAgo = (m: number): Date => new Date(now.getTime() - m * 60_000);

async function seed(t: Parameters<typeof tempStore>[0]) {
  const { store } = tempStore(t);
  await store.nodes.recordCheckin("web-01", { os: { family: "debian", release: "12" }, roles: ["web", "edge"] }, minutesAgo(30));
  await store.nodes.recordCheckin("web-02", { os: { family: "redhat" }, roles: ["web"] }, minutesAgo(30));
  await store.nodes.recordCheckin("DB_01", { os: { family: "debian" }, cpu: { count: 4 } }, minutesAgo(30));
  await store.nodes.recordCheckin("cache-1", { os: { family: "debian" } }, minutesAgo(30));
  const drift = [{ resource: "file:/etc/motd", property: "content", result: EventResult.CHANGED, corrective: true }];
  await store.reports.saveReport(
    report({ runId: "w1", certname: "web-01", status: ReportStatus.CHANGED, events: drift, startedAt: minutesAgo(10).toISOString(), counts: { total: 3, changed: 1, corrective: 1 } }),
    minutesAgo(9),
  );
  await store.reports.saveReport(report({ runId: "w2", certname: "web-02", status: ReportStatus.FAILED, startedAt: minutesAgo(20).toISOString(), counts: { failed: 1 } }), minutesAgo(19));
  await store.reports.saveReport(report({ runId: "d1", certname: "DB_01", status: ReportStatus.UNCHANGED, startedAt: minutesAgo(5).toISOString() }), minutesAgo(4));
  return store;
}

t.test("search is a case-insensitive certname substring; % and _ are literal", async (t) => {
  const store = await seed(t);
  t.same(
    (await listNodes(store, { now, search: "WEB" })).nodes.map((n) => n.certname),
    ["web-01", "web-02"],
  );
  t.same(
    (await listNodes(store, { now, search: "b_0" })).nodes.map((n) => n.certname),
    ["DB_01"],
  );
  t.same((await listNodes(store, { now, search: "%" })).nodes, [], "a % in the search matches a %, not everything");
});

t.test("the fact filter matches a dotted path exactly, also into arrays and numbers", async (t) => {
  const store = await seed(t);
  t.same(
    (await listNodes(store, { now, fact: { path: "os.family", value: "debian" } })).nodes.map((n) => n.certname),
    ["DB_01", "cache-1", "web-01"],
  );
  t.same(
    (await listNodes(store, { now, fact: { path: "roles.1", value: "edge" } })).nodes.map((n) => n.certname),
    ["web-01"],
  );
  t.same(
    (await listNodes(store, { now, fact: { path: "cpu.count", value: "4" } })).nodes.map((n) => n.certname),
    ["DB_01"],
  );
  t.same((await listNodes(store, { now, fact: { path: "os", value: "debian" } })).nodes, [], "an object is not a value");
  await store.nodes.recordCheckin("web-01", { os: { family: "alpine" } }, minutesAgo(1));
  t.same(
    (await listNodes(store, { now, fact: { path: "os.family", value: "alpine" } })).nodes.map((n) => n.certname),
    ["web-01"],
    "new facts replace the rows",
  );
  t.same((await listNodes(store, { now, fact: { path: "roles.1", value: "edge" } })).nodes, [], "facts no longer sent are gone");
  await store.nodes.recordCheckin("web-01", undefined, minutesAgo(0));
  t.same((await listNodes(store, { now, fact: { path: "os.family", value: "alpine" } })).total, 1, "a check-in without facts keeps them");
});

t.test("filters combine: status, search and fact", async (t) => {
  const store = await seed(t);
  const page = await listNodes(store, { now, status: "drifted", search: "web", fact: { path: "os.family", value: "debian" } });
  t.same(
    page.nodes.map((n) => n.certname),
    ["web-01"],
  );
  t.equal(page.total, 1);
});

t.test("sort by certname, status (most urgent first) and last run; order flips it", async (t) => {
  const store = await seed(t);
  t.same(
    (await listNodes(store, { now })).nodes.map((n) => n.certname),
    ["DB_01", "cache-1", "web-01", "web-02"],
    "certname ascending by default (binary order)",
  );
  t.same(
    (await listNodes(store, { now, sort: "certname", order: "desc" })).nodes.map((n) => n.certname),
    ["web-02", "web-01", "cache-1", "DB_01"],
  );
  t.same(
    (await listNodes(store, { now, sort: "status" })).nodes.map((n) => n.status),
    ["failed", "drifted", "unchanged", "unreported"],
  );
  t.same(
    (await listNodes(store, { now, sort: "status", order: "desc" })).nodes.map((n) => n.status),
    ["unreported", "unchanged", "drifted", "failed"],
  );
  t.same(
    (await listNodes(store, { now, sort: "last_run", order: "desc" })).nodes.map((n) => n.certname),
    ["DB_01", "web-01", "web-02", "cache-1"],
    "never reported goes last",
  );
  t.same(
    (await listNodes(store, { now, sort: "last_run", order: "asc" })).nodes.map((n) => n.certname),
    ["web-02", "web-01", "DB_01", "cache-1"],
  );
});

t.test("limit and offset page through; total counts every match", async (t) => {
  const store = await seed(t);
  const first = await listNodes(store, { now, limit: 3 });
  const second = await listNodes(store, { now, limit: 3, offset: 3 });
  t.equal(first.total, 4);
  t.equal(second.total, 4);
  t.same(
    [...first.nodes, ...second.nodes].map((n) => n.certname),
    (await listNodes(store, { now })).nodes.map((n) => n.certname),
  );
  t.same(await listNodes(store, { now, offset: 10 }), { total: 4, nodes: [], limit: 100, offset: 10 }, "past the end: no rows, still the total, and the page it was");
  await t.rejects(() => listNodes(store, { now, limit: 1001 }), { code: "ANCLA_E_INVALID_ARGUMENT" });
  await t.rejects(() => listNodes(store, { now, limit: 0 }), { code: "ANCLA_E_INVALID_ARGUMENT" });
  await t.rejects(() => listNodes(store, { now, offset: -1 }), { code: "ANCLA_E_INVALID_ARGUMENT" });
});

t.test("a node's summary: last run, its status, counts and flags", async (t) => {
  const store = await seed(t);
  const [web01] = (await listNodes(store, { now, search: "web-01" })).nodes;
  t.match(web01, {
    status: "drifted",
    lastRunId: "w1",
    lastRunAt: minutesAgo(10),
    lastReportAt: minutesAgo(9),
    lastRunStatus: "changed",
    lastRunNoop: false,
    counts: { total: 3, changed: 1, corrective: 1 },
    corrective: true,
    failed: false,
  });
  t.equal((await listNodes(store, { now, search: "web-02" })).nodes[0].failed, true);
  t.equal((await listNodes(store, { now, search: "cache" })).nodes[0].lastRunId, undefined);
});

t.test("fleetSummary counts every status, zeros included", async (t) => {
  const store = await seed(t);
  await store.catalogs.recordCompileFailure("cache-1", "v2", [{ file: "nodes.yaml", line: 1, column: 1, message: "bad" }], minutesAgo(1));
  const summary = await fleetSummary(store, { now });
  t.equal(summary.total, 4);
  t.same(summary.byStatus, { "compile-failed": 1, unresponsive: 0, failed: 1, drifted: 1, "noop-pending": 0, changed: 0, unchanged: 1, unreported: 0 });
  t.equal((await fleetSummary(store, { now: new Date(now.getTime() + 86_400_000) })).byStatus.unresponsive, 3, "silence is measured at query time");
});

t.test("driftHistory: runs per UTC day of their start by run status, oldest first, empty days as zeros", async (t) => {
  const { store } = tempStore(t);
  const day = (d: string, h: number) => new Date(`${d}T${String(h).padStart(2, "0")}:30:00Z`);
  const drift = [{ resource: "file:/a", result: EventResult.CHANGED, corrective: true }];
  await store.reports.saveReport(report({ runId: "a", certname: "n1", status: ReportStatus.CHANGED, events: drift, startedAt: day("2026-02-27", 23).toISOString() }), day("2026-02-28", 1));
  await store.reports.saveReport(report({ runId: "b", certname: "n1", status: ReportStatus.FAILED, startedAt: day("2026-02-27", 10).toISOString() }), day("2026-02-27", 10));
  await store.reports.saveReport(report({ runId: "c", certname: "n2", status: ReportStatus.CHANGED, startedAt: day("2026-03-01", 8).toISOString() }), day("2026-03-01", 8));
  await store.reports.saveReport(report({ runId: "d", certname: "n2", status: ReportStatus.NOOP, noop: true, startedAt: day("2026-03-01", 9).toISOString() }), day("2026-03-01", 9));
  await store.reports.saveReport(report({ runId: "e", certname: "n2", status: ReportStatus.UNCHANGED, startedAt: day("2026-03-01", 10).toISOString() }), day("2026-03-01", 10));
  await store.reports.saveReport(report({ runId: "e", certname: "n2", status: ReportStatus.FAILED, startedAt: day("2026-03-01", 10).toISOString() }), day("2026-03-01", 11));
  t.same(
    await driftHistory(store, { days: 4, now }),
    [
      { day: "2026-02-26", runs: 0, drifted: 0, failed: 0, changed: 0, unchanged: 0, noop: 0 },
      { day: "2026-02-27", runs: 2, drifted: 1, failed: 1, changed: 0, unchanged: 0, noop: 0 },
      { day: "2026-02-28", runs: 0, drifted: 0, failed: 0, changed: 0, unchanged: 0, noop: 0 },
      { day: "2026-03-01", runs: 3, drifted: 0, failed: 0, changed: 1, unchanged: 1, noop: 1 },
    ],
    "a redelivered run counts once",
  );
  await t.rejects(() => driftHistory(store, { days: 0 }), { code: "ANCLA_E_INVALID_ARGUMENT" });
});
