// The node list filters and counts statuses in SQL; nodeStatus (server/status.ts)
// is the definition. Random fleets, built through the real store, must get the
// same answer from both.
import fc from "fast-check";
import t from "tap";
import { eventResultWords, reportStatusWords } from "../../proto/report-words.js";
import { fleetSummary, listNodes, nodeStatus, NODE_STATUSES, type NodeStatus } from "../../server/status.js";
import type { NodeOverview, ReportSummary } from "../../server/store/index.js";
import { report, tempStore } from "./_helpers.js";

const now = new Date("2026-03-01T12:00:00Z");
const at = (minutesAgo: number): Date => new Date(now.getTime() - minutesAgo * 60_000);

const eventArb = fc.record({
  result: fc.constantFrom("changed", "failed", "noop", "skipped"),
  corrective: fc.boolean(),
});

const runArb = fc.record({
  startedAgo: fc.integer({ min: 0, max: 300 }),
  receivedAgo: fc.integer({ min: 0, max: 300 }),
  status: fc.constantFrom("changed", "unchanged", "failed", "noop"),
  noop: fc.boolean(),
  failed: fc.integer({ min: 0, max: 1 }),
  corrective: fc.integer({ min: 0, max: 1 }),
  events: fc.array(eventArb, { maxLength: 3 }),
});

const nodeArb = fc.record({
  firstAgo: fc.integer({ min: 0, max: 300 }),
  checkin: fc.boolean(),
  runs: fc.array(runArb, { maxLength: 4 }),
  compile: fc.constantFrom("none", "standing", "cleared"),
});

type NodeSpec = typeof nodeArb extends fc.Arbitrary<infer T> ? T : never;
type RunSpec = NodeSpec["runs"][number];

/** What nodeStatus is given, built from the specification alone (not read back from the store). */
function expectedOverview(certname: string, spec: NodeSpec): NodeOverview | undefined {
  const contacts = [spec.checkin ? spec.firstAgo : undefined, spec.runs[0]?.receivedAgo, spec.compile !== "none" ? 0 : undefined];
  const first = contacts.find((c) => c !== undefined);
  if (first === undefined) return undefined;
  // The latest run is the one the server received last; of equal receive times, the one stored last.
  let latest: RunSpec | undefined;
  for (const r of spec.runs) if (!latest || r.receivedAgo <= latest.receivedAgo) latest = r;
  return {
    certname,
    firstCheckinAt: at(first),
    lastCheckinAt: at(first),
    compileFailureAt: spec.compile === "standing" ? at(0) : undefined,
    latest: latest && summaryOf(certname, latest),
  };
}

function summaryOf(certname: string, r: RunSpec): ReportSummary {
  return {
    runId: "",
    certname,
    status: r.status,
    noop: r.noop,
    catalogDigest: "",
    siteVersion: "",
    startedAt: at(r.startedAgo),
    receivedAt: at(r.receivedAgo),
    durationMs: 0,
    counts: { total: 0, changed: 0, failed: r.failed, skipped: 0, corrective: r.corrective },
    hasChanges: r.events.some((e) => e.result === "changed"),
    hasCorrective: r.events.some((e) => e.corrective),
    hasPendingNoop: r.events.some((e) => e.result === "noop"),
    hasFailedEvent: r.events.some((e) => e.result === "failed"),
  };
}

t.test("the SQL status filter and counts agree with nodeStatus on random fleets", async (t) => {
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(nodeArb, { minLength: 1, maxLength: 8 }), fc.constantFrom(30, 90, 200), async (specs, thresholdMinutes) => {
      const { store } = tempStore(t);
      const options = { now, unresponsiveAfterMs: thresholdMinutes * 60_000 };
      const expected = new Map<string, NodeStatus>();
      for (const [i, spec] of specs.entries()) {
        const certname = `node-${String(i).padStart(2, "0")}`;
        if (spec.checkin) await store.nodes.recordCheckin(certname, { os: { family: "debian" } }, at(spec.firstAgo));
        for (const [j, r] of spec.runs.entries()) {
          const { failed, corrective } = r;
          // The spec is in the store's words (a ReportSummary's); the report carries the enums.
          const events = r.events.map((e) => ({ resource: "file:/x", property: "content", ...e, result: eventResultWords.value(e.result) }));
          await store.reports.saveReport(
            report({ runId: `${certname}-${j}`, certname, status: reportStatusWords.value(r.status), noop: r.noop, startedAt: at(r.startedAgo).toISOString(), counts: { failed, corrective }, events }),
            at(r.receivedAgo),
          );
        }
        if (spec.compile !== "none") await store.catalogs.recordCompileFailure(certname, "v2", [{ file: "nodes.yaml", line: 1, column: 1, message: "bad" }], at(0));
        if (spec.compile === "cleared") await store.catalogs.clearCompileFailure(certname);
        const overview = expectedOverview(certname, spec);
        if (overview) expected.set(certname, nodeStatus(overview, options));
      }
      runs++;
      for (const status of NODE_STATUSES) {
        const page = await listNodes(store, { ...options, status, limit: 1000 });
        const want = [...expected]
          .filter(([, s]) => s === status)
          .map(([n]) => n)
          .sort();
        if (JSON.stringify(page.nodes.map((n) => n.certname)) !== JSON.stringify(want)) return false;
        if (page.total !== want.length || page.nodes.some((n) => n.status !== status)) return false;
      }
      const summary = await fleetSummary(store, options);
      if (summary.total !== expected.size) return false;
      return NODE_STATUSES.every((s) => summary.byStatus[s] === [...expected.values()].filter((v) => v === s).length);
    }),
    { numRuns: 150 },
  );
  t.equal(runs, 150, "every generated fleet was checked");
});
