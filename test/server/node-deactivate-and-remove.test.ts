// Retiring nodes (issue 12.17, like `puppet node deactivate`): a deactivated
// node leaves lists and counts (so it never shows as unresponsive) until it
// checks in again; removing a node deletes its data. Both audited, through the
// API and `ancla node deactivate|remove`.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import { cli } from "../helpers/processes.js";
import { EventResult } from "../../proto/gen/ancla/v1/agent_pb.js";
import { call, report, startTestApi, tempDir } from "./_helpers.js";

const hoursAgo = (h: number): Date => new Date(Date.now() - h * 3600_000);

t.test("a deactivated node is out of lists and counts until it checks in again", async (t) => {
  const api = await startTestApi(t);
  await api.store.nodes.recordCheckin("old-01", { os: { family: "debian" } }, hoursAgo(48));
  await api.store.reports.saveReport(report({ runId: "r1", certname: "old-01", startedAt: hoursAgo(48).toISOString() }), hoursAgo(48));
  await api.store.nodes.recordCheckin("web-01", {}, new Date());
  const summary = async () => ((await call(api, "GET", "/api/v1/fleet/summary", { token: api.tokens.viewer })).body as { by_status: Record<string, number> }).by_status;
  t.equal((await summary()).unresponsive, 1, "the retired host shows as unresponsive");

  t.equal((await call(api, "POST", "/api/v1/nodes/old-01/deactivate", { token: api.tokens.viewer })).status, 403, "viewers cannot");
  const res = await call(api, "POST", "/api/v1/nodes/old-01/deactivate", { token: api.tokens.operator });
  t.equal(res.status, 200, JSON.stringify(res.body));
  t.match(res.body, { certname: "old-01", deactivated_at: /^\d{4}-/ });
  const listed = (await call(api, "GET", "/api/v1/nodes", { token: api.tokens.viewer })).body as { total: number; nodes: { certname: string }[] };
  t.same(
    listed.nodes.map((n) => n.certname),
    ["web-01"],
    "gone from the list",
  );
  t.equal(listed.total, 1);
  t.equal((await summary()).unresponsive, 0, "and from the counts");
  t.match((await call(api, "GET", "/api/v1/nodes/old-01", { token: api.tokens.viewer })).body, { deactivated_at: /^\d{4}-/ }, "still shown on its own");
  t.match(
    (await api.store.audit.listAudit({ limit: 5 })).find((e) => e.action === "node.deactivate"),
    { target: "old-01", actor: /test operator/ },
  );
  t.equal((await call(api, "POST", "/api/v1/nodes/nope/deactivate", { token: api.tokens.operator })).status, 404);

  await api.store.nodes.recordCheckin("old-01", {}, new Date());
  const back = (await call(api, "GET", "/api/v1/nodes", { token: api.tokens.viewer })).body as { nodes: { certname: string }[] };
  t.same(
    back.nodes.map((n) => n.certname),
    ["old-01", "web-01"],
    "a check-in brings it back",
  );
  t.match((await call(api, "GET", "/api/v1/nodes/old-01", { token: api.tokens.viewer })).body, { deactivated_at: null });
});

t.test("removing a node deletes its data (admin only)", async (t) => {
  const api = await startTestApi(t);
  await api.store.nodes.recordCheckin("gone-01", { os: { family: "debian" } }, new Date());
  await api.store.reports.saveReport(report({ runId: "r1", certname: "gone-01", events: [{ resource: "file:/x", result: EventResult.CHANGED }] }), new Date());
  await api.store.reports.saveReport(report({ runId: "r1", certname: "kept-01" }), new Date());
  t.equal((await call(api, "DELETE", "/api/v1/nodes/gone-01", { token: api.tokens.operator })).status, 403, "operators cannot");
  const res = await call(api, "DELETE", "/api/v1/nodes/gone-01", { token: api.tokens.admin });
  t.equal(res.status, 200, JSON.stringify(res.body));
  t.same(res.body, { certname: "gone-01", removed: true });
  t.equal((await call(api, "GET", "/api/v1/nodes/gone-01", { token: api.tokens.viewer })).status, 404);
  t.equal(await api.store.reports.getReport("r1", "gone-01"), undefined, "its reports are gone");
  t.match(await api.store.reports.getReport("r1"), { certname: "kept-01" }, "another node's run with the same id stays");
  t.match(
    (await api.store.audit.listAudit({ limit: 5 })).find((e) => e.action === "node.remove"),
    { target: "gone-01" },
  );
  t.equal((await call(api, "DELETE", "/api/v1/nodes/gone-01", { token: api.tokens.admin })).status, 404, "removing twice: no such node");
});

t.test("ancla node deactivate and node remove", async (t) => {
  const api = await startTestApi(t);
  const caFile = join(tempDir(t), "ca.crt");
  writeFileSync(caFile, api.ca.certPem);
  const ancla = (args: string[]) => cli("ancla", [...args, "--url", api.url, "--token", api.tokens.admin, "--ca-file", caFile], { env: { ANCLA_URL: "", ANCLA_TOKEN: "", ANCLA_CA_FILE: "" } });
  await api.store.nodes.recordCheckin("old-01", {}, hoursAgo(48));
  const off = await ancla(["node", "deactivate", "old-01"]);
  t.equal(off.code, 0, off.stderr);
  t.equal(off.stdout, "deactivated old-01; it comes back when it checks in again\n");
  t.match((await ancla(["node", "show", "old-01"])).stdout, /^old-01: unresponsive \(deactivated \S+ \S+, until it checks in again\)/);
  const removed = await ancla(["node", "remove", "old-01"]);
  t.equal(removed.code, 0, removed.stderr);
  t.equal(removed.stdout, "removed old-01 and its data\n");
  const again = await ancla(["node", "remove", "old-01"]);
  t.equal(again.code, 1);
  t.match(again.stderr, /ANCLA_E_NOT_FOUND: no node "old-01"/);
});
