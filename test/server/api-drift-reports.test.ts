// The drift API against a real server: simulated agents enrol and report over
// mTLS gRPC (the real ReportRun path); operators read nodes, reports, events,
// catalogs, the fleet summary and drift history over HTTPS.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import { EventResult, ReportStatus } from "../../proto/gen/ancla/v1/agent_pb.js";
import { debianFacts, startRealServer } from "./_server.js";

const minutesAgo = (m: number): string => new Date(Date.now() - m * 60_000).toISOString();

interface NodePage {
  total: number;
  nodes: { certname: string; status: string; last_run_id: string | null; corrective: boolean | null; failed: boolean | null; last_run_status: string | null }[];
}
interface ReportPage {
  reports: { run_id: string; certname: string; run_status: string; has_corrective: boolean }[];
  next: string | null;
}

t.test("nodes, reports, events, catalogs and the fleet over the API", async (t) => {
  const server = await startRealServer(t);
  const [web1, web2, db1, app1] = await server.agents(["web-01", "web-02", "db-01", "app-01"]);
  const drift = {
    resource: "file:/etc/motd",
    property: "content",
    desired: "hello",
    actual: "tampered",
    result: EventResult.CHANGED,
    corrective: true,
    diff: "--- /etc/motd\n+++ /etc/motd\n@@ -1 +1 @@\n-tampered\n+hello\n",
  };
  const intended = { resource: "package:nginx", property: "ensure", desired: "installed", actual: "absent", result: EventResult.CHANGED };
  t.equal(await db1.report({ runId: "db-1", status: ReportStatus.CHANGED, startedAt: minutesAgo(30), events: [intended] }, debianFacts({ role: "db" })), true);
  t.equal(await db1.report({ runId: "db-2", status: ReportStatus.UNCHANGED, startedAt: minutesAgo(20) }), true);
  t.equal(await db1.report({ runId: "db-2", status: ReportStatus.UNCHANGED, startedAt: minutesAgo(20) }), false, "a redelivery is not stored twice");
  await web1.report(
    { runId: "web1-1", status: ReportStatus.CHANGED, startedAt: minutesAgo(10), events: [drift, intended], counts: { total: 5, changed: 2, corrective: 1 } },
    debianFacts({ role: "web" }),
  );
  await web2.report(
    {
      runId: "web2-1",
      status: ReportStatus.FAILED,
      startedAt: minutesAgo(5),
      events: [{ resource: "service:nginx", property: "ensure", result: EventResult.FAILED, message: "unit not found" }],
      counts: { failed: 1 },
    },
    debianFacts({ os: { family: "redhat" } }),
  );
  // app-01 only checks in: the server compiles and signs its catalog.
  const checkin = await app1.client.getCatalog({ facts: debianFacts(), haveDigest: "" });

  t.test("GET /nodes: status, summary, filters, sort, paging and total", async (t) => {
    const all = (await server.api("GET", "/api/v1/nodes")).body as NodePage;
    t.same(
      all.nodes.map((n) => [n.certname, n.status]),
      [
        ["app-01", "unreported"],
        ["db-01", "unchanged"],
        ["web-01", "drifted"],
        ["web-02", "failed"],
      ],
    );
    t.equal(all.total, 4);
    t.match(all.nodes[2], { last_run_id: "web1-1", last_run_status: "changed", corrective: true, failed: false, counts: { changed: 2, corrective: 1 } });
    const drifted = (await server.api("GET", "/api/v1/nodes?status=drifted")).body as NodePage;
    t.same(
      drifted.nodes.map((n) => n.certname),
      ["web-01"],
    );
    const debian = (await server.api("GET", "/api/v1/nodes?fact=os.family%3Ddebian&search=WEB")).body as NodePage;
    t.same(
      debian.nodes.map((n) => n.certname),
      ["web-01"],
      "fact and search combine",
    );
    const byRole = (await server.api("GET", "/api/v1/nodes?fact=role=db")).body as NodePage;
    t.same(
      byRole.nodes.map((n) => n.certname),
      ["db-01"],
    );
    const urgent = (await server.api("GET", "/api/v1/nodes?sort=status&limit=2")).body as NodePage & { limit: number; offset: number };
    t.same(
      urgent.nodes.map((n) => n.status),
      ["failed", "drifted"],
    );
    t.match(urgent, { total: 4, limit: 2, offset: 0 });
    const rest = (await server.api("GET", "/api/v1/nodes?sort=status&limit=2&offset=2")).body as NodePage;
    t.same(
      rest.nodes.map((n) => n.status),
      ["unchanged", "unreported"],
    );
  });

  t.test("bad node queries are 400 with the error code, naming the field", async (t) => {
    for (const query of ["status=sad", "limit=0", "limit=1001", "sort=size", "fact=novalue", "offset=-1", "colour=red"]) {
      const res = await server.api("GET", `/api/v1/nodes?${query}`);
      t.equal(res.status, 400, query);
      t.match(res.body, { error: { code: "ANCLA_E_INVALID_ARGUMENT", message: /invalid request/ } }, query);
    }
  });

  t.test("GET /nodes/:certname has facts; its catalog decodes; catalogs by digest", async (t) => {
    t.match((await server.api("GET", "/api/v1/nodes/web-01")).body, { status: "drifted", facts: { os: { family: "debian" }, role: "web" } });
    const catalog = await server.api("GET", "/api/v1/nodes/app-01/catalog");
    t.equal(catalog.status, 200);
    t.match(catalog.body, { certname: "app-01", serial: 1, digest: checkin.digest, resources: [{ type: "file", ref: /^file:.*app-01$/ }] });
    const resources = (catalog.body as { resources: { properties: Record<string, unknown> }[] }).resources;
    t.equal(resources.length, 4);
    t.match(resources[1].properties, { content: /^sha256:[0-9a-f]{64}$/ }, "file content shown by digest");
    t.same((await server.api("GET", `/api/v1/catalogs/${checkin.digest}`)).body, catalog.body);
    t.match(await server.api("GET", "/api/v1/nodes/web-01/catalog"), { status: 404, body: { error: { code: "ANCLA_E_NOT_FOUND" } } });
    t.match(await server.api("GET", `/api/v1/catalogs/${"0".repeat(64)}`), { status: 404 });
    t.match(await server.api("GET", "/api/v1/catalogs/not-a-digest"), { status: 400 });
    t.match(await server.api("GET", "/api/v1/nodes/nobody"), { status: 404, body: { error: { code: "ANCLA_E_NOT_FOUND" } } });
  });

  t.test("GET /reports: newest first, filters, cursor pages", async (t) => {
    const all = (await server.api("GET", "/api/v1/reports")).body as ReportPage;
    t.same(
      all.reports.map((r) => r.run_id),
      ["web2-1", "web1-1", "db-2", "db-1"],
    );
    t.equal(all.next, null);
    t.match(all.reports[1], { certname: "web-01", run_status: "drifted", has_corrective: true, status: "changed" });
    const ids = async (q: string) => ((await server.api("GET", `/api/v1/reports?${q}`)).body as ReportPage).reports.map((r) => r.run_id);
    t.same(await ids("node=db-01"), ["db-2", "db-1"]);
    t.same(await ids("status=failed"), ["web2-1"]);
    t.same(await ids("changes_only=true"), ["web1-1", "db-1"]);
    t.same(await ids("corrective_only=true"), ["web1-1"]);
    t.same(await ids(`since=${encodeURIComponent(minutesAgo(15))}`), ["web2-1", "web1-1"]);
    const seen: string[] = [];
    let next: string | null = null;
    do {
      const page = (await server.api("GET", `/api/v1/reports?limit=1${next ? `&cursor=${next}` : ""}`)).body as ReportPage;
      seen.push(...page.reports.map((r) => r.run_id));
      next = page.next;
    } while (next);
    t.same(seen, ["web2-1", "web1-1", "db-2", "db-1"], "one at a time, each once");
    t.match(await server.api("GET", "/api/v1/reports?cursor=garbage"), { status: 400, body: { error: { code: "ANCLA_E_INVALID_ARGUMENT", message: /cursor/ } } });
    t.match(await server.api("GET", "/api/v1/reports?limit=501"), { status: 400 });
  });

  t.test("GET /reports/:runId in full; its events paged and filtered, with diffs", async (t) => {
    const full = await server.api("GET", "/api/v1/reports/web1-1");
    t.match(full.body, { runId: "web1-1", certname: "web-01", status: "changed", events: [{ result: "changed", corrective: true, diff: /^--- \/etc\/motd/ }, { resource: "package:nginx" }] });
    const events = (await server.api("GET", "/api/v1/reports/web1-1/events")).body as { total: number; events: { resource: string; diff: string; corrective: boolean }[] };
    t.equal(events.total, 2);
    t.same(events.events[0], { ...drift, result: "changed", message: "" }, "the result as the word it always was");
    const corrective = (await server.api("GET", "/api/v1/reports/web1-1/events?corrective_only=true")).body as { total: number };
    t.equal(corrective.total, 1);
    const second = (await server.api("GET", "/api/v1/reports/web1-1/events?limit=1&offset=1")).body as { total: number; events: { resource: string }[] };
    t.same(
      second.events.map((e) => e.resource),
      ["package:nginx"],
    );
    t.match(await server.api("GET", "/api/v1/reports/nope"), { status: 404 });
    t.match(await server.api("GET", "/api/v1/reports/nope/events"), { status: 404 });
  });

  t.test("fleet summary and drift history", async (t) => {
    t.same((await server.api("GET", "/api/v1/fleet/summary")).body, {
      total: 4,
      by_status: { "compile-failed": 0, unresponsive: 0, failed: 1, drifted: 1, "noop-pending": 0, changed: 0, unchanged: 1, unreported: 1 },
    });
    const drift = (await server.api("GET", "/api/v1/fleet/drift?days=2")).body as { days: { day: string; runs: number; drifted: number; failed: number }[] };
    t.equal(drift.days.length, 2);
    t.equal(drift.days[1].day, new Date().toISOString().slice(0, 10));
    t.equal(
      drift.days.reduce((n, d) => n + d.runs, 0),
      4,
      "every stored run counted once (on its start day)",
    );
    t.equal(
      drift.days.reduce((n, d) => n + d.drifted, 0),
      1,
    );
    t.match(await server.api("GET", "/api/v1/fleet/drift?days=0"), { status: 400 });
  });

  t.test("a site that stops compiling: compile-failed node and /compile-failures", async (t) => {
    writeFileSync(join(server.dataDir, "..", "site", "nodes.yaml"), "nodes:\n  - match: '*'\n    modules: [missing]\n");
    await t.rejects(app1.client.getCatalog({ facts: debianFacts({ changed: "yes" }), haveDigest: checkin.digest }));
    const failures = (await server.api("GET", "/api/v1/compile-failures")).body as { failures: { certname: string; problems: unknown[] }[] };
    t.same(
      failures.failures.map((f) => f.certname),
      ["app-01"],
    );
    t.ok(failures.failures[0].problems.length > 0);
    t.equal(((await server.api("GET", "/api/v1/nodes?status=compile-failed")).body as NodePage).total, 1);
  });
});
