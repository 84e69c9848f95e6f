// API latency while one enrolled node sends the largest reports the limits
// allow (issue 11, item 2): a real server process with 1,000 nodes, one
// simulated agent sending ReportRun back to back with the most events, log
// lines and facts the default limits accept, and GET /api/v1/nodes timed by
// the client meanwhile; the same requests with no load first. The gap between
// the two is what one hostile or broken node costs everybody else.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Agent } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, type JsonObject } from "@bufbuild/protobuf";
import { DEFAULT_MAX_REPORT_LOG_LINES } from "../core/limits.js";
import { EventResult, ReportSchema, ReportStatus } from "../proto/gen/ancla/v1/agent_pb.js";
import { dataDirPaths } from "../server/datadir.js";
import { DEFAULT_MESSAGE_LIMITS } from "../server/grpc/limits.js";
import { openStore } from "../server/store/index.js";
import { apiCall, initBenchDataDir, percentile, startBenchServer } from "./server-process.js";
import { enrollSimAgents, type SimAgent } from "./sim-agents.js";

export interface LoadBenchOptions {
  /** Timed API requests in each phase. */
  requests: number;
}

/** Facts just under max_facts and max_facts_bytes: 9,000 keys of 100-byte values. */
function largestFacts(): JsonObject {
  const facts: JsonObject = {};
  for (let i = 0; i < 9_000; i++) facts[`fact_${String(i).padStart(5, "0")}`] = "v".repeat(100);
  return facts;
}

function largestReport(n: number) {
  return {
    runId: `big-${n}`,
    status: ReportStatus.CHANGED,
    startedAt: new Date().toISOString(),
    events: Array.from({ length: DEFAULT_MESSAGE_LIMITS.maxReportEvents }, (_, i) => ({
      resource: `file:/srv/app/f${i}.conf`,
      property: "content",
      desired: `"sha256:${"a".repeat(64)}"`,
      actual: `"sha256:${"b".repeat(64)}"`,
      result: EventResult.CHANGED,
      message: "content changed",
      diff: `--- /srv/app/f${i}.conf\n+++ /srv/app/f${i}.conf\n@@ -1 +1 @@\n-old\n+new\n`,
    })),
    logs: Array.from({ length: DEFAULT_MAX_REPORT_LOG_LINES }, (_, i) => ({ time: new Date().toISOString(), message: `applied resource ${i}` })),
  };
}

/** A fleet to list: 1,000 nodes with a small report each, written before the server starts. */
async function seedFleet(dataDir: string): Promise<void> {
  const store = openStore(dataDirPaths(dataDir).database);
  try {
    for (let i = 0; i < 1_000; i++) {
      const certname = `node-${String(i).padStart(4, "0")}`;
      await store.nodes.recordCheckin(certname, { os: { family: "debian" } }, new Date());
      await store.reports.saveReport(create(ReportSchema, { runId: `r-${i}`, certname, status: ReportStatus.UNCHANGED, startedAt: new Date().toISOString() }), new Date());
    }
  } finally {
    await store.close();
  }
}

/** At least `n` requests, one after the other, for at least `seconds`. */
async function timedRequests(n: number, call: () => Promise<{ status: number; clientMs: number }>, seconds = 0): Promise<number[]> {
  const ms: number[] = [];
  for (const until = performance.now() + seconds * 1000; ms.length < n || performance.now() < until; ) {
    const res = await call();
    if (res.status !== 200) throw new Error(`GET /api/v1/nodes answered ${res.status}`);
    ms.push(res.clientMs);
  }
  return ms;
}

function summary(phase: string, ms: number[]): Record<string, number> {
  return { [`${phase} p50 ms`]: percentile(ms, 0.5), [`${phase} p99 ms`]: percentile(ms, 0.99), [`${phase} max ms`]: Math.max(...ms) };
}

export async function benchApiUnderLoad(o: LoadBenchOptions): Promise<Record<string, number>> {
  const base = mkdtempSync(join(tmpdir(), "ancla-bench-load-"));
  try {
    const site = join(base, "site");
    mkdirSync(site);
    writeFileSync(join(site, "nodes.yaml"), "nodes: []\n");
    const { dataDir, adminToken, caPem } = initBenchDataDir(join(base, "server"), site);
    await seedFleet(dataDir);
    const server = await startBenchServer(dataDir);
    const https = new Agent({ keepAlive: true, maxSockets: 1 });
    let hostile: SimAgent | undefined;
    try {
      const created = await apiCall(server.url, "/api/v1/tokens", adminToken, caPem, https, "POST", JSON.stringify({ one_time: false }));
      [hostile] = await enrollSimAgents(server.grpc, caPem, (JSON.parse(created.body) as { token: string }).token, ["hostile"]);
      const list = () => apiCall(server.url, "/api/v1/nodes", adminToken, caPem, https);
      await timedRequests(20, list);
      const rest = await timedRequests(o.requests, list);

      const facts = largestFacts();
      let sent = 0;
      let loading = true;
      // A refusal (a limit the report crossed) throws, and the bench with it.
      const load = (async () => {
        while (loading) {
          await hostile!.report(largestReport(sent), facts);
          sent++;
        }
      })();
      // Into the load first: the first report's transfer is not yet work for the server.
      await new Promise((r) => setTimeout(r, 1000));
      const loaded = await timedRequests(o.requests, list, 10);
      loading = false;
      await load;
      return { ...summary("at rest", rest), ...summary("under load", loaded), "largest reports stored": sent };
    } finally {
      hostile?.close();
      https.destroy();
      await server.stop();
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}
