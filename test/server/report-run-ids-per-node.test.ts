// Run ids are unique per node, not fleet-wide (issue 11.8): node-b sending a
// report with node-a's run id (over real mTLS gRPC) is stored as node-b's run,
// not dropped, and does not shadow node-a's. /reports/RUN_ID answers a shared
// run id with 409 unless ?node= names the node; a node redelivering its own
// run id stays idempotent.
import t from "tap";
import { ReportStatus } from "../../proto/gen/ancla/v1/agent_pb.js";
import { startRealServer } from "./_server.js";

interface ProtoReport {
  runId: string;
  certname: string;
  status: string;
}

t.test("a run id reused by another node is stored for that node, and the API tells them apart", async (t) => {
  const server = await startRealServer(t);
  const [a, b] = await server.agents(["node-a", "node-b"]);
  t.equal(await a.report({ runId: "run-1", status: ReportStatus.CHANGED, startedAt: new Date().toISOString() }), true, "node-a's run stored");
  t.equal(await b.report({ runId: "run-1", status: ReportStatus.FAILED, startedAt: new Date().toISOString() }), true, "node-b's run with the same id stored too");
  t.equal(await a.report({ runId: "run-1", status: ReportStatus.UNCHANGED, startedAt: new Date().toISOString() }), false, "node-a redelivering its run is not stored again");

  const nodeA = await server.api("GET", "/api/v1/nodes/node-a");
  t.match(nodeA.body, { last_run_id: "run-1", last_run_status: "changed" }, "node-a keeps its own run");
  t.match((await server.api("GET", "/api/v1/nodes/node-b")).body, { last_run_id: "run-1", last_run_status: "failed" });

  const shared = await server.api("GET", "/api/v1/reports/run-1");
  t.equal(shared.status, 409, "a shared run id is not guessed at");
  t.match(shared.body, { error: { code: "ANCLA_E_RUN_ID_AMBIGUOUS", message: /2 nodes \(node-a, node-b\)/ } });
  const ofA = await server.api("GET", "/api/v1/reports/run-1?node=node-a");
  t.equal(ofA.status, 200);
  t.match(ofA.body as ProtoReport, { certname: "node-a", status: "changed" });
  t.match((await server.api("GET", "/api/v1/reports/run-1?node=node-b")).body as ProtoReport, { certname: "node-b", status: "failed" });
  t.equal((await server.api("GET", "/api/v1/reports/run-1/events?node=node-a")).status, 200);
  t.equal((await server.api("GET", "/api/v1/reports/run-1/events")).status, 409);
  t.match(await server.api("GET", "/api/v1/reports/run-1/events?node=node-c"), { status: 404, body: { error: { message: /no report with run id "run-1" from "node-c"/ } } });
  const other = await server.api("GET", "/api/v1/reports/run-1?node=node-c");
  t.equal(other.status, 404);
  t.match(other.body, { error: { message: /no report with run id "run-1" from "node-c"/ } });

  t.equal(await a.report({ runId: "run-2", status: ReportStatus.UNCHANGED, startedAt: new Date().toISOString() }), true);
  t.match((await server.api("GET", "/api/v1/reports/run-2")).body as ProtoReport, { certname: "node-a" }, "a run id of one node needs no ?node=");

  const listed = (await server.api("GET", "/api/v1/reports?limit=10")).body as { reports: { run_id: string; certname: string }[] };
  t.same(
    listed.reports.map((r) => `${r.certname}/${r.run_id}`),
    ["node-a/run-2", "node-b/run-1", "node-a/run-1"],
    "every stored run is listed",
  );
});
