// Reports as operators browse them: newest first, keyset pages, filters,
// one report in full, its events paged and filtered.
import t from "tap";
import type { ReportSummary, Store } from "../../server/store/index.js";
import { EventResult, ReportStatus } from "../../proto/gen/ancla/v1/agent_pb.js";
import { report, tempStore } from "./_helpers.js";

const base = Date.parse("2026-03-01T00:00:00Z");
const minute = (m: number): Date => new Date(base + m * 60_000);

/** 30 runs over three nodes, a minute apart, every third with a change, every fifth corrective, every seventh failed. */
async function seed(store: Store): Promise<void> {
  for (let i = 0; i < 30; i++) {
    const events = [];
    if (i % 3 === 0) events.push({ resource: `file:/etc/f${i}`, property: "content", desired: "a", actual: "b", result: EventResult.CHANGED, diff: `--- a\n+++ b\n` });
    if (i % 5 === 0) events.push({ resource: `file:/etc/g${i}`, property: "mode", result: EventResult.CHANGED, corrective: true });
    if (i % 7 === 0) events.push({ resource: `service:s${i}`, property: "ensure", result: EventResult.FAILED });
    const status = i % 7 === 0 ? ReportStatus.FAILED : events.length ? ReportStatus.CHANGED : ReportStatus.UNCHANGED;
    await store.reports.saveReport(report({ runId: `run-${i}`, certname: `node-${i % 3}`, status, events, startedAt: minute(i).toISOString() }), minute(i + 1));
  }
}

const ids = (rs: ReportSummary[]): string[] => rs.map((r) => r.runId);
const runIds = (numbers: number[]): string[] => numbers.map((i) => `run-${i}`);
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

async function allPages(store: Store, q: Omit<Parameters<Store["reports"]["listReports"]>[0], "cursor">): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.reports.listReports({ ...q, cursor });
    t.ok(page.reports.length <= q.limit);
    seen.push(...ids(page.reports));
    cursor = page.next;
  } while (cursor);
  return seen;
}

t.test("keyset pages walk every report newest first, each once, in order", async (t) => {
  const { store } = tempStore(t);
  await seed(store);
  const newestFirst = runIds(range(30).reverse());
  t.same(await allPages(store, { limit: 7 }), newestFirst);
  t.same(await allPages(store, { limit: 30 }), newestFirst);
  t.equal((await store.reports.listReports({ limit: 30 })).next, undefined, "an exact last page says there is no more");
  // A report arriving between pages (newer than the cursor) does not shift the next page.
  const first = await store.reports.listReports({ limit: 10 });
  await store.reports.saveReport(report({ runId: "late", certname: "node-0", startedAt: minute(100).toISOString() }), minute(101));
  t.same(ids((await store.reports.listReports({ limit: 10, cursor: first.next })).reports), runIds([19, 18, 17, 16, 15, 14, 13, 12, 11, 10]));
});

t.test("runs with the same start time are ordered by arrival and paged without loss", async (t) => {
  const { store } = tempStore(t);
  for (let i = 0; i < 9; i++) await store.reports.saveReport(report({ runId: `same-${i}`, certname: `n${i}`, startedAt: minute(0).toISOString() }), minute(1));
  t.same(
    await allPages(store, { limit: 2 }),
    range(9)
      .reverse()
      .map((i) => `same-${i}`),
  );
});

t.test("filters: node, status, changes only, corrective only, since; they combine", async (t) => {
  const { store } = tempStore(t);
  await seed(store);
  const want = (pred: (i: number) => boolean) => runIds(range(30).reverse().filter(pred));
  t.same(
    await allPages(store, { certname: "node-1", limit: 4 }),
    want((i) => i % 3 === 1),
  );
  t.same(
    await allPages(store, { status: "failed", limit: 2 }),
    want((i) => i % 7 === 0),
  );
  t.same(
    await allPages(store, { changesOnly: true, limit: 3 }),
    want((i) => i % 3 === 0 || i % 5 === 0),
  );
  t.same(
    await allPages(store, { correctiveOnly: true, limit: 3 }),
    want((i) => i % 5 === 0),
  );
  t.same(
    await allPages(store, { since: minute(25), limit: 3 }),
    want((i) => i >= 25),
  );
  t.same(
    await allPages(store, { certname: "node-0", correctiveOnly: true, since: minute(10), limit: 1 }),
    want((i) => i % 3 === 0 && i % 5 === 0 && i >= 10),
  );
  t.same(await store.reports.listReports({ certname: "nobody", limit: 5 }), { reports: [], next: undefined });
});

t.test("bad paging input is a clear error", async (t) => {
  const { store } = tempStore(t);
  await t.rejects(() => store.reports.listReports({ limit: 501 }), { code: "ANCLA_E_INVALID_ARGUMENT", message: /limit/ });
  await t.rejects(() => store.reports.listReports({ limit: 10, cursor: "not-a-cursor" }), { code: "ANCLA_E_INVALID_ARGUMENT", message: /cursor/ });
});

t.test("a summary carries the flags and counts; getReport the whole report", async (t) => {
  const { store } = tempStore(t);
  await seed(store);
  t.match(await store.reports.getReportSummary("run-15"), { runId: "run-15", certname: "node-0", status: "changed", hasChanges: true, hasCorrective: true, hasFailedEvent: false });
  t.match(await store.reports.getReportSummary("run-14"), { hasChanges: false, hasCorrective: false });
  const full = await store.reports.getReport("run-21");
  t.equal(full?.events.length, 2);
  t.equal(full?.events[0].diff, "--- a\n+++ b\n");
  t.equal(await store.reports.getReport("nope"), undefined);
  t.equal(await store.reports.getReportSummary("nope"), undefined);
});

t.test("reportEvents pages a report's events in order and filters changes and corrective ones", async (t) => {
  const { store } = tempStore(t);
  const events = range(12).map((i) => ({
    resource: `file:/f${i}`,
    property: "content",
    result: i % 2 ? EventResult.CHANGED : EventResult.SKIPPED,
    corrective: i % 4 === 1,
    diff: i === 1 ? "@@ -1 +1 @@\n-a\n+b\n" : "",
  }));
  await store.reports.saveReport(report({ runId: "big", certname: "web-01", status: ReportStatus.CHANGED, events }), minute(0));
  const page = await store.reports.reportEvents("big", { limit: 5, offset: 5 });
  t.equal(page.total, 12);
  t.same(
    page.events.map((e) => e.resource),
    ["file:/f5", "file:/f6", "file:/f7", "file:/f8", "file:/f9"],
  );
  const changes = await store.reports.reportEvents("big", { changesOnly: true, limit: 100, offset: 0 });
  t.same(
    changes.events.map((e) => e.resource),
    ["file:/f1", "file:/f3", "file:/f5", "file:/f7", "file:/f9", "file:/f11"],
  );
  t.equal(changes.events[0].diff, "@@ -1 +1 @@\n-a\n+b\n", "the diff is kept per event");
  t.same(
    (await store.reports.reportEvents("big", { correctiveOnly: true, limit: 100, offset: 0 })).events.map((e) => e.resource),
    ["file:/f1", "file:/f5", "file:/f9"],
  );
  t.same(await store.reports.reportEvents("missing", { limit: 10, offset: 0 }), { total: 0, events: [] });
});
