import type { JsonValue } from "@bufbuild/protobuf";
import t from "tap";
import { EventResult, ReportStatus } from "../../proto/gen/ancla/v1/agent_pb.js";
import { reportFromJson } from "../../proto/report-words.js";
import { call, report, startTestApi } from "./_helpers.js";

t.test("nodes, node detail, latest report and the audit log over the API", async (t) => {
  const api = await startTestApi(t);
  const viewer = { token: api.tokens.viewer };
  const now = new Date();
  await api.store.nodes.recordCheckin("web-01", { kernel: "linux" }, now);
  const drift = report({
    runId: "run-7",
    certname: "web-01",
    status: ReportStatus.CHANGED,
    catalogSerial: 3n,
    counts: { total: 4, changed: 1, corrective: 1 },
    events: [{ resource: "file:/etc/motd", property: "content", desired: '"hi"', actual: '"bye"', result: EventResult.CHANGED, corrective: true }],
  });
  await api.store.reports.saveReport(drift, now);
  await api.store.reports.saveReport(report({ runId: "run-8", certname: "db-01", status: ReportStatus.UNCHANGED }), now);

  t.test("GET /nodes lists every node with its status; ?status= filters", async (t) => {
    const all = (await call(api, "GET", "/api/v1/nodes", viewer)).body as { nodes: { certname: string; status: string }[] };
    t.same(
      all.nodes.map((n) => [n.certname, n.status]),
      [
        ["db-01", "unchanged"],
        ["web-01", "drifted"],
      ],
    );
    const drifted = (await call(api, "GET", "/api/v1/nodes?status=drifted", viewer)).body as { nodes: unknown[] };
    t.match(drifted.nodes, [{ certname: "web-01", last_run_id: "run-7", counts: { corrective: 1 }, last_report_at: now.toISOString() }]);
    t.equal(drifted.nodes.length, 1);
  });

  t.test("GET /nodes/:certname has facts and status", async (t) => {
    const res = await call(api, "GET", "/api/v1/nodes/web-01", viewer);
    t.equal(res.status, 200);
    t.match(res.body, { certname: "web-01", status: "drifted", facts: { kernel: "linux" }, compile_failure: null });
  });

  t.test("GET /nodes/:certname/report is the protobuf JSON of the latest run, its enums as the words they always were", async (t) => {
    const res = await call(api, "GET", "/api/v1/nodes/web-01/report", viewer);
    t.equal(res.status, 200);
    t.match(res.body, { status: "changed", events: [{ result: "changed" }] });
    const back = reportFromJson(res.body as JsonValue);
    t.equal(back.runId, "run-7");
    t.equal(back.catalogSerial, 3n);
    t.same(back.events, drift.events);
  });

  t.test("GET /audit pages newest first", async (t) => {
    await api.certs.createBootstrapToken({ ttlSeconds: 60 }, "a");
    await api.certs.createBootstrapToken({ ttlSeconds: 60 }, "b");
    const page = (await call(api, "GET", "/api/v1/audit?limit=1", viewer)).body as { entries: { id: number; actor: string }[]; next_before: number };
    t.equal(page.entries.length, 1);
    t.equal(page.entries[0].actor, "b");
    const next = (await call(api, "GET", `/api/v1/audit?limit=1&before=${page.next_before}`, viewer)).body as { entries: { actor: string }[] };
    t.equal(next.entries[0].actor, "a");
  });
});
