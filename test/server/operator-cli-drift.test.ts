// The built `ancla` binary: nodes with filters, node show, report show --run, drift.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import { cli } from "../helpers/processes.js";
import { EventResult, ReportStatus } from "../../proto/gen/ancla/v1/agent_pb.js";
import { report, startTestApi, tempDir } from "./_helpers.js";

t.test("ancla nodes, node show, report show --run and drift", async (t) => {
  const api = await startTestApi(t);
  const caFile = join(tempDir(t), "ca.crt");
  writeFileSync(caFile, api.ca.certPem);
  const noEnv = { ANCLA_URL: "", ANCLA_TOKEN: "", ANCLA_CA_FILE: "" };
  const ancla = (args: string[], token = api.tokens.viewer) => cli("ancla", [...args, "--url", api.url, "--token", token, "--ca-file", caFile], { env: noEnv });

  const now = Date.now();
  const ago = (m: number) => new Date(now - m * 60_000);
  const diff = "--- /etc/motd\n+++ /etc/motd\n@@ -1 +1 @@\n-bye\n+hi\n";
  const drift = [{ resource: "file:/etc/motd", property: "content", desired: "hi", actual: "bye", result: EventResult.CHANGED, corrective: true, diff }];
  await api.store.nodes.recordCheckin("web-01", { os: { family: "debian" } }, ago(30));
  await api.store.nodes.recordCheckin("db-01", { os: { family: "redhat" } }, ago(30));
  await api.store.reports.saveReport(report({ runId: "web-old", certname: "web-01", status: ReportStatus.FAILED, startedAt: ago(20).toISOString(), counts: { failed: 1 } }), ago(20));
  await api.store.reports.saveReport(
    report({ runId: "web-new", certname: "web-01", status: ReportStatus.CHANGED, events: drift, startedAt: ago(10).toISOString(), counts: { total: 4, changed: 1, corrective: 1 } }),
    ago(10),
  );
  await api.store.reports.saveReport(report({ runId: "db-1", certname: "db-01", status: ReportStatus.UNCHANGED, startedAt: ago(5).toISOString() }), ago(5));

  t.test("nodes: filters by fact and search, sorts by status, and says when the list is cut", async (t) => {
    const table = await ancla(["nodes", "--sort", "status"]);
    t.equal(table.code, 0, table.stderr);
    t.match(table.stdout, /^CERTNAME\s+STATUS\s+LAST RUN\s+RESULT/);
    t.match(table.stdout, /\nweb-01\s+drifted\s+\d{4}-\S+ \S+\s+changed\s+site-1\s+1\s+0\s+1\s+-\n/, "the environment last: - before its first compile");
    t.ok(table.stdout.indexOf("web-01") < table.stdout.indexOf("db-01"), "most urgent first");
    const debian = JSON.parse((await ancla(["nodes", "--fact", "os.family=debian", "--json"])).stdout) as { certname: string }[];
    t.same(
      debian.map((n) => n.certname),
      ["web-01"],
    );
    const searched = JSON.parse((await ancla(["nodes", "--search", "DB", "--json"])).stdout) as { certname: string }[];
    t.same(
      searched.map((n) => n.certname),
      ["db-01"],
    );
    const cut = await ancla(["nodes", "--limit", "1"]);
    t.match(cut.stdout, /\(1 of 2 nodes; --limit shows more\)\n$/);
  });

  t.test("node show: last run and its counts", async (t) => {
    const shown = await ancla(["node", "show", "web-01"]);
    t.equal(shown.code, 0, shown.stderr);
    t.match(shown.stdout, /^web-01: drifted\n/);
    t.match(shown.stdout, /last run\s+changed, started \d{4}-\S+ \S+ \(agent clock\), took 1200 ms/);
    t.match(shown.stdout, /resources\s+4 total, 1 changed, 0 failed, 1 corrective/);
  });

  t.test("report show: the latest run with its diff; --run picks an older one", async (t) => {
    const latest = await ancla(["report", "show", "web-01"]);
    t.equal(latest.code, 0, latest.stderr);
    t.match(latest.stdout, /^run web-new on web-01: changed/);
    t.match(latest.stdout, /\nfile:\/etc\/motd:\n--- \/etc\/motd\n\+\+\+ \/etc\/motd\n@@ -1 \+1 @@\n-bye\n\+hi\n/);
    const older = await ancla(["report", "show", "web-01", "--run", "web-old"]);
    t.equal(older.code, 0, older.stderr);
    t.match(older.stdout, /^run web-old on web-01: failed/);
    t.equal((JSON.parse((await ancla(["report", "show", "web-01", "--run", "web-old", "--json"])).stdout) as { runId: string }).runId, "web-old");
    const foreign = await ancla(["report", "show", "web-01", "--run", "db-1"]);
    t.match(foreign, { code: 1, stderr: /ANCLA_E_NOT_FOUND: no report with run id "db-1" from "web-01"/ });
    t.match(await ancla(["report", "show", "web-01", "--run", "nope"]), { code: 1, stderr: /ANCLA_E_NOT_FOUND/ });
  });

  t.test("drift: nodes by status and runs per day", async (t) => {
    const out = await ancla(["drift", "--days", "2"]);
    t.equal(out.code, 0, out.stderr);
    t.match(out.stdout, /^STATUS\s+NODES\n/);
    t.match(out.stdout, /\ndrifted\s+1\n/);
    t.match(out.stdout, /\nunchanged\s+1\n/);
    t.match(out.stdout, /\ntotal\s+2\n/);
    t.match(out.stdout, /\nDAY\s+RUNS\s+DRIFTED\s+FAILED/);
    const json = JSON.parse((await ancla(["drift", "--days", "2", "--json"])).stdout) as { total: number; by_status: Record<string, number>; days: { runs: number }[] };
    t.equal(json.total, 2);
    t.equal(json.by_status.drifted, 1);
    t.equal(json.days.length, 2);
    t.equal(
      json.days.reduce((n, d) => n + d.runs, 0),
      3,
    );
  });

  t.test("api-token create: only the secret on stdout, it works with its role; admins only", async (t) => {
    const made = await ancla(["api-token", "create", "--role", "viewer", "--name", "prometheus"], api.tokens.admin);
    t.equal(made.code, 0, made.stderr);
    t.match(made.stdout, /^ancla_at_[A-Za-z0-9_-]{43}\n$/);
    t.match(made.stderr, /^API token [0-9a-f]+: viewer role, "prometheus"\n$/);
    const nodes = await ancla(["nodes", "--json"], made.stdout.trim());
    t.equal(nodes.code, 0, "the new token reads");
    const denied = await ancla(["api-token", "create", "--role", "admin", "--name", "me"]);
    t.match(denied, { code: 1, stderr: /ANCLA_E_PERMISSION_DENIED: .*admin role/ });
  });

  t.test("misuse is exit 64 before any request", async (t) => {
    for (const args of [
      ["api-token", "create", "--role", "root", "--name", "x"],
      ["api-token", "create", "--role", "viewer"],
      ["nodes", "--sort", "size"],
      ["nodes", "--fact", "debian"],
      ["nodes", "--limit", "0"],
      ["drift", "--days", "many"],
    ]) {
      const res = await ancla(args);
      t.equal(res.code, 64, args.join(" "));
      t.match(res.stderr, /^error: ANCLA_E_USAGE/, args.join(" "));
    }
  });
});
