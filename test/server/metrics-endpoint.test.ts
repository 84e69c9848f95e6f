// /metrics on a real server: Prometheus text with runs by status, run and
// compile durations, compile failures, check-ins, nodes by status and the
// database size; scraped with a viewer token, refused without one.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { request } from "node:https";
import { X509Certificate } from "node:crypto";
import { dataDirPaths } from "../../server/datadir.js";
import t from "tap";
import { EventResult, ReportStatus } from "../../proto/gen/ancla/v1/agent_pb.js";
import { debianFacts, startRealServer, type RealServer } from "./_server.js";

function scrape(server: RealServer, token?: string): Promise<{ status: number; type: string; timing: string; text: string }> {
  return new Promise((resolve, reject) => {
    const headers = token ? { authorization: `Bearer ${token}` } : undefined;
    const req = request(new URL("/metrics", server.url), { ca: server.ca.certPem, servername: "localhost", headers }, (res) => {
      let text = "";
      res.on("data", (d: Buffer) => (text += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"]), timing: String(res.headers["server-timing"]), text }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** The value of one sample line, e.g. metric('ancla_nodes{status="drifted"}'). */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

t.test("/metrics counts what the agents did", async (t) => {
  const server = await startRealServer(t);
  const [web, db] = await server.agents(["web-01", "db-01"]);
  const first = await web.client.getCatalog({ facts: debianFacts(), haveDigest: "" });
  await web.client.getCatalog({ facts: debianFacts(), haveDigest: first.digest });
  await web.report({ runId: "w1", status: ReportStatus.CHANGED, durationMs: 2500, events: [{ resource: "file:/etc/motd", result: EventResult.CHANGED, corrective: true }] });
  await db.report({ runId: "d1", status: ReportStatus.FAILED, durationMs: 400, counts: { failed: 1 } });
  await db.report({ runId: "d1", status: ReportStatus.FAILED, durationMs: 400, counts: { failed: 1 } });
  writeFileSync(join(server.dataDir, "..", "site", "nodes.yaml"), "nodes:\n  - match: '*'\n    modules: [missing]\n");
  await t.rejects(db.client.getCatalog({ facts: debianFacts(), haveDigest: "" }));

  t.equal((await scrape(server)).status, 401, "no token, no metrics");
  const viewer = await server.api("POST", "/api/v1/api-tokens", { body: JSON.stringify({ role: "viewer", name: "prometheus" }) });
  const res = await scrape(server, (viewer.body as { token: string }).token);
  t.equal(res.status, 200);
  t.match(res.type, /^text\/plain/);
  t.match(res.timing, /^app;dur=\d+\.\d\d$/, "every answer says how long the server took");
  const m = (series: string) => sample(res.text, series);
  t.equal(m('ancla_reports_total{run_status="drifted"}'), 1);
  t.equal(m('ancla_reports_total{run_status="failed"}'), 1);
  t.equal(m("ancla_reports_duplicate_total"), 1, "the redelivery is counted apart");
  t.equal(m("ancla_run_duration_seconds_count"), 2);
  t.equal(m("ancla_run_duration_seconds_sum"), 2.9);
  t.equal(m("ancla_report_ingest_seconds_count"), 2);
  t.equal(m('ancla_checkins_total{result="catalog"}'), 1);
  t.equal(m('ancla_checkins_total{result="not_modified"}'), 1);
  t.equal(m('ancla_checkins_total{result="failed"}'), 1);
  t.equal(m("ancla_catalog_compile_seconds_count"), 2, "one good compile, one failed");
  t.equal(m("ancla_catalog_compile_failures_total"), 1);
  t.equal(m('ancla_nodes{status="compile-failed"}'), 1);
  t.equal(m('ancla_nodes{status="drifted"}'), 1);
  t.equal(m('ancla_nodes{status="unchanged"}'), 0);
  t.ok((m("ancla_database_size_bytes") ?? 0) > 4096, "database size");
  t.ok(m("ancla_server_process_resident_memory_bytes") !== undefined, "process metrics");
});

t.test("/metrics says when the server's own certificates expire", async (t) => {
  const server = await startRealServer(t);
  const { text } = await scrape(server, server.adminToken);
  const paths = dataDirPaths(server.dataDir);
  for (const [certificate, file] of [
    ["ca", paths.caCert],
    ["server", paths.serverCert],
    ["signing", paths.signerCert],
  ] as const) {
    const notAfter = Math.floor(Date.parse(new X509Certificate(readFileSync(file)).validTo) / 1000);
    t.equal(sample(text, `ancla_certificate_expiry_timestamp_seconds{certificate="${certificate}"}`), notAfter, certificate);
  }
});
