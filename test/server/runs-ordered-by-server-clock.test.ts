// Runs are ordered by the server's clock (issue 12.3): a run from an agent
// whose clock is 2 days ahead, then a run after the clock is fixed: the fixed
// run is the node's last run at once. The agent's start time is kept and shown
// beside the receive time, and a skew past a minute is flagged (API
// clock_skew_seconds, `ancla node show`, the dashboard node page).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import { fetchPage } from "../dashboard/_helpers.js";
import { cli } from "../helpers/processes.js";
import { ReportStatus } from "../../proto/gen/ancla/v1/agent_pb.js";
import { tempDir } from "./_helpers.js";
import { startRealServer } from "./_server.js";

const DAY_MS = 86_400_000;

interface NodeBody {
  last_run_id: string;
  last_run_at: string;
  last_report_at: string;
  clock_skew_seconds: number | null;
}

t.test("an agent 2 days ahead, then a normal run: the normal run is the last run", async (t) => {
  const server = await startRealServer(t);
  const [agent] = await server.agents(["web-01"]);
  const ahead = new Date(Date.now() + 2 * DAY_MS).toISOString();
  t.equal(await agent.report({ runId: "run-ahead", status: ReportStatus.CHANGED, startedAt: ahead, durationMs: 1000 }), true);

  const skewed = (await server.api("GET", "/api/v1/nodes/web-01")).body as NodeBody;
  t.match(skewed, { last_run_id: "run-ahead", last_run_at: ahead }, "the agent's start time is kept as it sent it");
  t.ok(skewed.clock_skew_seconds! > 2 * 86_400 - 120, `skew of about +2 days flagged (${skewed.clock_skew_seconds})`);
  t.ok(Date.parse(skewed.last_report_at) < Date.parse(ahead) - DAY_MS, "the receive time is the server's");

  const caFile = join(tempDir(t), "ca.crt");
  writeFileSync(caFile, server.ca.certPem);
  const show = await cli("ancla", ["node", "show", "web-01", "--url", server.url, "--token", server.adminToken, "--ca-file", caFile], {
    env: { ANCLA_URL: "", ANCLA_TOKEN: "", ANCLA_CA_FILE: "" },
  });
  t.equal(show.code, 0, show.stderr);
  t.match(show.stdout, /last run\s+changed, started \S+ \S+ \(agent clock\)/);
  t.match(show.stdout, /agent clock\s+\+\d+ s vs the server\s+CLOCK SKEW: ahead by more than 60 s/);

  const page = await fetchPage(server, "/nodes/web-01", { token: server.adminToken });
  t.equal(page.status, 200);
  t.match(page.text, /id="run-started">[\s\S]*\(agent clock\)[\s\S]*class="badge s-clock-skew"[^>]*>agent clock 2 d ahead of the server</, "the node page flags the skew");

  t.equal(await agent.report({ runId: "run-fixed", status: ReportStatus.UNCHANGED, startedAt: new Date().toISOString() }), true);
  const fixed = (await server.api("GET", "/api/v1/nodes/web-01")).body as NodeBody;
  t.equal(fixed.last_run_id, "run-fixed", "the run received last is the last run");
  t.ok(Math.abs(fixed.clock_skew_seconds!) <= 60, "and is not flagged");
  const reports = (await server.api("GET", "/api/v1/reports?node=web-01")).body as { reports: { run_id: string; clock_skew_seconds: number }[] };
  t.same(
    reports.reports.map((r) => r.run_id),
    ["run-fixed", "run-ahead"],
    "newest first by the server's clock",
  );
  t.ok(reports.reports[1].clock_skew_seconds > 2 * 86_400 - 120, "each report carries its skew");
  const sorted = (await server.api("GET", "/api/v1/nodes?sort=last_run&order=desc")).body as { nodes: NodeBody[] };
  t.equal(sorted.nodes[0].last_run_id, "run-fixed");
  const after = await fetchPage(server, "/nodes/web-01", { token: server.adminToken });
  t.notMatch(after.text.match(/id="run-started">.*?<\/dd>/s)?.[0] ?? "", /s-clock-skew/, "no flag on the overview once the clock is right");
});
