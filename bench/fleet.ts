// Fleet benchmark (issue 5): a real server data dir seeded with 10,000 nodes
// and 1,000,000 events, then
//  - ingest: ReportRun over mutual-TLS gRPC from concurrent simulated agents
//    (the path real agents take) into the seeded database, in reports/s;
//  - reads: real HTTPS requests (keep-alive, bearer token) to the fleet list,
//    node, report and fleet-summary APIs and the dashboard pages, timed by the
//    server's own Server-Timing header (p50/p95, ms) and by the client.
// The bulk is seeded straight through Store.saveReport in batches (that rate
// is reported too); the server is not running meanwhile.
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { Agent } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, type JsonObject } from "@bufbuild/protobuf";
import { EventResult, ReportSchema, ReportStatus, type Report } from "../proto/gen/ancla/v1/agent_pb.js";
import { reportStatusWords } from "../proto/report-words.js";
import { dataDirPaths } from "../server/datadir.js";
import { openStore, type Store } from "../server/store/index.js";
import { apiCall, initBenchDataDir, percentile, startBenchServer, type Timed } from "./server-process.js";
import { enrollSimAgents, type SimAgent } from "./sim-agents.js";

const HOUR = 3_600_000;

export interface FleetBenchOptions {
  nodes: number;
  reportsPerNode: number;
  eventsPerReport: number;
  /** Concurrent agents for the ingest measurement, and reports each sends. */
  agents: number;
  reportsPerAgent: number;
  /** Timed requests per endpoint (after a few warm-ups). */
  requests: number;
}

type Results = Record<string, number>;

const certnameOf = (i: number): string => `node-${String(i).padStart(5, "0")}.example.net`;

function factsOf(i: number): JsonObject {
  const family = i % 3 === 0 ? "redhat" : "debian";
  return {
    os: { family, name: family === "debian" ? "Debian" : "RHEL", release: family === "debian" ? "12.8" : "9.4", arch: "x64" },
    role: ["web", "db", "cache", "queue"][i % 4],
    kernel: "6.1.0-28-amd64",
    virtual: "kvm",
    hostname: certnameOf(i).split(".")[0],
    cpu: { count: 2 + (i % 8), model: "Intel Xeon" },
    memory: { total_bytes: 8_589_934_592 },
    networking: { ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` },
  };
}

/** The k-th run of node i: history runs changed something; the last run gives the node its status. */
function runOf(i: number, k: number, o: FleetBenchOptions, now: number): Report {
  const last = k === o.reportsPerNode - 1;
  const kind = !last ? "changed" : i % 20 === 0 ? "failed" : i % 10 === 1 ? "drifted" : i % 5 === 2 ? "changed" : "unchanged";
  // One node in a hundred went silent three days ago: unresponsive.
  const silentFor = i % 100 === 99 ? 72 * HOUR : 0;
  const started = now - silentFor - (o.reportsPerNode - 1 - k) * 2 * HOUR - (i % 1800) * 1000;
  const events = Array.from({ length: o.eventsPerReport }, (_, j) => ({
    resource: `file:/etc/app/conf.d/${String(j).padStart(2, "0")}.conf`,
    property: "content",
    desired: `{sha256}${(i * 31 + j).toString(16).padStart(8, "0")}`,
    actual: `{sha256}${(i * 17 + k + j).toString(16).padStart(8, "0")}`,
    result: kind === "failed" && j === 0 ? EventResult.FAILED : kind === "unchanged" ? EventResult.SKIPPED : EventResult.CHANGED,
    corrective: (kind === "drifted" && j < 2) || (!last && k % 4 === 0 && j === 0),
    message: kind === "failed" && j === 0 ? "permission denied" : "content changed",
  }));
  return create(ReportSchema, {
    runId: `${certnameOf(i)}-${k}`,
    certname: certnameOf(i),
    catalogDigest: "c".repeat(64),
    siteVersion: `site-${k}`,
    catalogSerial: BigInt(k + 1),
    startedAt: new Date(started).toISOString(),
    durationMs: 2000 + (i % 5000),
    status: kind === "drifted" ? ReportStatus.CHANGED : reportStatusWords.value(kind),
    catalogSource: "server",
    events,
    counts: {
      total: 50,
      changed: events.filter((e) => e.result === EventResult.CHANGED).length,
      failed: events.filter((e) => e.result === EventResult.FAILED).length,
      corrective: events.filter((e) => e.corrective).length,
    },
  });
}

async function seed(store: Store, o: FleetBenchOptions, now: number): Promise<{ seconds: number; reports: number }> {
  const t0 = performance.now();
  const batch = 200;
  for (let start = 0; start < o.nodes; start += batch) {
    const end = Math.min(start + batch, o.nodes);
    await store.transaction(async (tx) => {
      for (let i = start; i < end; i++) await tx.nodes.recordCheckin(certnameOf(i), factsOf(i), new Date(now - 20 * o.reportsPerNode * HOUR));
    });
    for (let i = start; i < end; i++) {
      for (let k = 0; k < o.reportsPerNode; k++) {
        const r = runOf(i, k, o, now);
        await store.reports.saveReport(r, new Date(Date.parse(r.startedAt) + r.durationMs));
      }
    }
  }
  return { seconds: (performance.now() - t0) / 1000, reports: o.nodes * o.reportsPerNode };
}

async function timeEndpoint(name: string, path: string, call: (path: string) => Promise<Timed>, n: number, out: Results): Promise<void> {
  const first = await call(path);
  if (first.status !== 200) {
    process.stderr.write(`fleet bench: ${name} (${path}) answered ${first.status}; not timed\n`);
    return;
  }
  for (let i = 0; i < 2; i++) await call(path);
  const samples: Timed[] = [];
  for (let i = 0; i < n; i++) samples.push(await call(path));
  out[`${name} p50 ms`] = percentile(
    samples.map((s) => s.serverMs),
    0.5,
  );
  out[`${name} p95 ms`] = percentile(
    samples.map((s) => s.serverMs),
    0.95,
  );
  out[`${name} client p50 ms`] = percentile(
    samples.map((s) => s.clientMs),
    0.5,
  );
}

async function measureIngest(server: { url: string; grpc: string }, adminToken: string, ca: string, agent: Agent, o: FleetBenchOptions, now: number): Promise<Results> {
  const token = JSON.parse((await apiCall(server.url, "/api/v1/tokens", adminToken, ca, agent, "POST", JSON.stringify({ one_time: false }))).body) as { token: string };
  const names = Array.from({ length: o.agents }, (_, a) => certnameOf(a));
  const agents = await enrollSimAgents(server.grpc, ca, token.token, names);
  const send = async (a: SimAgent, idx: number, r: number): Promise<void> => {
    const run = runOf(idx, o.reportsPerNode - 1, o, now);
    if (!(await a.report({ ...run, runId: `ingest-${a.certname}-${r}`, startedAt: new Date(now + (r + 1) * 1000).toISOString() }))) throw new Error("report not stored");
  };
  try {
    // One report each first, untimed: the channels' TLS handshakes are not ingest.
    await Promise.all(agents.map((a, idx) => send(a, idx, -1)));
    const t0 = performance.now();
    await Promise.all(
      agents.map(async (a, idx) => {
        for (let r = 0; r < o.reportsPerAgent; r++) await send(a, idx, r);
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    return { "ingest agents": o.agents, "ingest reports": o.agents * o.reportsPerAgent, "ingest grpc reports/s": (o.agents * o.reportsPerAgent) / seconds };
  } finally {
    for (const a of agents) a.close();
  }
}

export async function benchFleet(o: FleetBenchOptions): Promise<Results> {
  const base = mkdtempSync(join(tmpdir(), "ancla-bench-fleet-"));
  try {
    const site = join(base, "site");
    mkdirSync(site);
    writeFileSync(join(site, "nodes.yaml"), "nodes: []\n");
    const { dataDir, adminToken, caPem: ca } = initBenchDataDir(join(base, "server"), site);
    const paths = dataDirPaths(dataDir);
    const now = Date.now();

    const store = openStore(paths.database);
    const seeded = await seed(store, o, now);
    await store.close();
    const results: Results = {
      nodes: o.nodes,
      reports: seeded.reports,
      events: seeded.reports * o.eventsPerReport,
      "seed seconds": seeded.seconds,
      "seed store.saveReport reports/s": seeded.reports / seeded.seconds,
      "database MB": statSync(paths.database).size / 1e6,
    };

    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const server = await startBenchServer(dataDir);
    try {
      Object.assign(results, await measureIngest(server, adminToken, ca, agent, o, now));
      const call = (path: string) => apiCall(server.url, path, adminToken, ca, agent);
      const drifted = JSON.parse((await call("/api/v1/nodes?status=drifted&limit=1")).body) as { nodes: { certname: string; last_run_id: string }[] };
      const sample = drifted.nodes[0];
      const node = encodeURIComponent(sample.certname);
      const run = encodeURIComponent(sample.last_run_id);
      const endpoints: [string, string][] = [
        ["api nodes (page 1)", "/api/v1/nodes"],
        ["api nodes status=drifted", "/api/v1/nodes?status=drifted"],
        ["api nodes sort=status", "/api/v1/nodes?sort=status"],
        ["api nodes sort=last_run, page 50", "/api/v1/nodes?sort=last_run&order=desc&offset=5000"],
        ["api nodes fact=os.family", "/api/v1/nodes?fact=os.family%3Dredhat"],
        ["api nodes search", "/api/v1/nodes?search=node-0424"],
        ["api node", `/api/v1/nodes/${node}`],
        ["api reports (page 1)", "/api/v1/reports"],
        ["api reports changes_only", "/api/v1/reports?changes_only=true"],
        ["api reports corrective_only", "/api/v1/reports?corrective_only=true&status=changed"],
        ["api reports of a node", `/api/v1/reports?node=${node}`],
        ["api report", `/api/v1/reports/${run}`],
        ["api report events", `/api/v1/reports/${run}/events`],
        ["api fleet summary", "/api/v1/fleet/summary"],
        ["api fleet drift 30 days", "/api/v1/fleet/drift?days=30"],
        ["page /", "/"],
        ["page /nodes/:certname", `/nodes/${node}`],
        ["page /reports/:runId", `/reports/${run}`],
      ];
      for (const [name, path] of endpoints) await timeEndpoint(name, path, call, o.requests, results);
    } finally {
      agent.destroy();
      await server.stop();
    }
    return results;
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}
