// Health benchmark (issue 14): 10,000 nodes × 3 probes reporting every 10 s.
//  - ingest: ReportHealth over mutual-TLS gRPC from simulated agents into a
//    real server process, as fast as it takes them: probe windows stored per
//    second (target ≥ 3,000, what such a fleet sends) and per-batch latency;
//  - analysis: a data dir seeded through Store.health.saveHealth (the server
//    not running) with 10 minutes of 10,000 nodes × 3 probes, then a 500-node
//    canary against the 9,500-node control over those 10 minutes: the two
//    probeTotals reads, the two saturation reads and a whole runAnalysis of
//    error_rate + p95_latency_ms + saturation (target < 200 ms);
//  - agent: the real daemon (the shipped single executable when built, else
//    the bundle, else the tsc build) enrolled with a real server, probing two
//    HTTP endpoints and a TCP port on loopback every 10 s: its CPU over
//    minutes (target < 0.5 % of one core) and RSS (target < 60 MB), and the
//    attempts the server got from it, which prove the probes ran.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { Agent } from "node:https";
import { createServer as createTcpServer, type AddressInfo, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { Histogram, type Bucket } from "../catalog/health/histogram.js";
import type { AnalysisTemplate } from "../catalog/site/analysis.js";
import { AGENT_NODE_FLAGS, AGENT_RUNTIME_VERSION, agentRuntimeDir } from "../packaging/agent-runtime.js";
import { AGENT_BUNDLE } from "../packaging/bundle-agent.js";
import { ROOT } from "../packaging/root.js";
import type { ReportHealthRequestSchema } from "../proto/gen/ancla/v1/agent_pb.js";
import { analysisWindow, runAnalysis } from "../server/analysis/run.js";
import { caFingerprint } from "../server/cli/fingerprint.js";
import { dataDirPaths } from "../server/datadir.js";
import { MINUTE_MS, type HealthBatch, type ProbeWindowRecord, type SaturationRecord } from "../server/store/health.js";
import { openStore, type Store } from "../server/store/index.js";
import { apiCall, initBenchDataDir, percentile, startBenchServer, type BenchServer } from "./server-process.js";
import { enrollSimAgents, type SimAgent } from "./sim-agents.js";

export interface HealthBenchOptions {
  /** Simulated agents sending ReportHealth at once, and for how long. */
  agents: number;
  seconds: number;
  /** The seeded fleet for the analysis, its canary, and the minutes read. */
  nodes: number;
  canary: number;
  minutes: number;
  /** Seconds the real daemon's CPU is measured over (the issue: 10 minutes). */
  agentSeconds: number;
}

type Results = Record<string, number>;

const PROBES = ["web-http", "api-http", "db-tcp"] as const;
const WINDOW_MS = 10_000;
/** Attempts per probe window (a probe every second). */
const ATTEMPTS = 10;
const SITE_VERSION = "bench-site-1";
const REPEATS = 7;

const certnameOf = (i: number): string => `node-${String(i).padStart(5, "0")}.example.net`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => percentile(xs, 0.5);

/** A deterministic generator, so every run measures the same data. */
function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => (s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0) / 2 ** 32;
}

/** What one probe measured in one window, without its times: a few latency buckets, now and then an error. */
interface WindowShape {
  count: number;
  errors: { timeout: number; refused: number; status: number; body: number };
  latency: Bucket[];
}

/** A pool of window shapes to draw from (built once: the bench's own CPU goes to sending, not to making data). */
function windowShapes(n: number, seed: number, baseMs: number): WindowShape[] {
  const rnd = random(seed);
  return Array.from({ length: n }, (_, i) => {
    const timeout = i % 25 === 0 ? 1 : 0;
    const status = i % 40 === 7 ? 1 : 0;
    const h = new Histogram();
    // Answered attempts (status errors answered too): count - timeout - refused samples.
    for (let a = 0; a < ATTEMPTS - timeout; a++) h.record(baseMs * (0.7 + rnd() * 0.8 + (rnd() < 0.05 ? 3 : 0)));
    return { count: ATTEMPTS, errors: { timeout, refused: 0, status, body: 0 }, latency: h.buckets() };
  });
}

const SHAPES: Record<(typeof PROBES)[number], WindowShape[]> = {
  "web-http": windowShapes(64, 1, 4),
  "api-http": windowShapes(64, 2, 12),
  "db-tcp": windowShapes(64, 3, 0.4),
};

function saturationOf(i: number): { cpu: number; memory: number; load: number; disks: { mount: string; used: number }[] } {
  return {
    cpu: 0.15 + (i % 7) * 0.04,
    memory: 0.45 + (i % 5) * 0.05,
    load: 0.2 + (i % 9) * 0.05,
    disks: [
      { mount: "/", used: 0.41 },
      { mount: "/var", used: 0.5 + (i % 4) * 0.05 },
    ],
  };
}

// ---- 1. ingest over gRPC -----------------------------------------------------

/**
 * The batch a node sends every 10 s: its 3 probes' windows and one saturation
 * window, all ending `backMs` before it is sent. Each of a simulated agent's
 * successive batches reaches 10 s further back, so, as in a real fleet whose
 * nodes send six batches a minute into the same minute row, one batch in six
 * starts a node's minute row and five add to one (and not every batch to the
 * same row, as it would with one agent sending a hundred batches a minute).
 */
function wireBatch(batchId: string, k: number, backMs: number): MessageInitShape<typeof ReportHealthRequestSchema> {
  const sentAt = Date.now();
  const ended = BigInt(sentAt - backMs);
  const s = saturationOf(k);
  return {
    batchId,
    sentAtMs: BigInt(sentAt),
    probes: PROBES.map((probe) => {
      const w = SHAPES[probe][k % 64];
      return {
        probe,
        endedAtMs: ended,
        durationMs: WINDOW_MS,
        siteVersion: SITE_VERSION,
        count: w.count,
        errorsTimeout: w.errors.timeout,
        errorsRefused: w.errors.refused,
        errorsStatus: w.errors.status,
        errorsBody: w.errors.body,
        latency: w.latency,
      };
    }),
    saturation: [{ endedAtMs: ended, durationMs: WINDOW_MS, cpuBusy: s.cpu, memoryUsed: s.memory, loadPerCore: s.load, disks: s.disks }],
  };
}

async function reportHealth(agent: SimAgent, k: number): Promise<boolean> {
  return (await agent.client.reportHealth(wireBatch(`${agent.certname}-${k}`, k, k * WINDOW_MS))).stored;
}

function cpuSeconds(pid: number, ticks: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / ticks;
}

function clockTicks(): number {
  const r = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" });
  return Number(r.stdout.trim()) || 100;
}

async function measureIngest(base: string, o: HealthBenchOptions, ticks: number): Promise<Results> {
  const site = join(base, "ingest-site");
  mkdirSync(site);
  writeFileSync(join(site, "nodes.yaml"), "nodes: []\n");
  const { dataDir, adminToken, caPem } = initBenchDataDir(join(base, "ingest-server"), site);
  // Every simulated agent dials from 127.0.0.1: lift the per-address connection bound for them.
  const config = join(base, "ingest-server.yaml");
  writeFileSync(config, `max_connections_per_address: ${o.agents + 64}\n`);
  const server = await startBenchServer(dataDir, ["--config", config]);
  const https = new Agent({ keepAlive: true, maxSockets: 1 });
  let agents: SimAgent[] = [];
  try {
    const token = JSON.parse((await apiCall(server.url, "/api/v1/tokens", adminToken, caPem, https, "POST", JSON.stringify({ ttl_seconds: 3600, one_time: false }))).body) as { token: string };
    agents = await enrollSimAgents(
      server.grpc,
      caPem,
      token.token,
      Array.from({ length: o.agents }, (_, a) => `sim-${String(a).padStart(4, "0")}.example.net`),
    );
    // One batch each first, untimed: the channels' TLS handshakes are not ingest.
    await Promise.all(agents.map((a) => reportHealth(a, 0)));
    const latencies: number[] = [];
    let stored = 0;
    let refused = 0;
    const cpu0 = cpuSeconds(server.pid, ticks);
    const client0 = process.cpuUsage();
    const t0 = performance.now();
    const stop = t0 + o.seconds * 1000;
    await Promise.all(
      agents.map(async (a) => {
        for (let k = 1; performance.now() < stop; k++) {
          const s = performance.now();
          if (await reportHealth(a, k)) stored++;
          else refused++;
          latencies.push(performance.now() - s);
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const cpu = cpuSeconds(server.pid, ticks) - cpu0;
    const client = process.cpuUsage(client0);
    if (refused > 0) throw new Error(`health bench: the server answered stored: false to ${refused} fresh batches`);
    return {
      "ingest agents": o.agents,
      "ingest seconds": seconds,
      "ingest batches": stored,
      "ingest batches/s": stored / seconds,
      "ingest windows/s": (stored * PROBES.length) / seconds,
      "ingest p50 ms": percentile(latencies, 0.5),
      "ingest p95 ms": percentile(latencies, 0.95),
      "ingest server cpu % of one core": (100 * cpu) / seconds,
      "ingest server cpu ms per batch": (1000 * cpu) / stored,
      // The simulated agents share the machine: when this is near 100, they, not the server, set the pace.
      "ingest agents cpu % of one core": (client.user + client.system) / 1e4 / seconds,
    };
  } finally {
    for (const a of agents) a.close();
    https.destroy();
    await server.stop();
  }
}

// ---- 2. analysis of a seeded fleet ----------------------------------------------

/**
 * Node i's minute starting at `minute`, as one batch of the six 10 s windows
 * per probe (and six saturation windows) it sent in that minute: saveHealth
 * sums them into one row per node, probe and minute, as it does for six
 * batches of one window each. The canary's web-http is a little slower.
 */
function seededMinute(i: number, minute: number, canary: boolean): HealthBatch {
  const probes: ProbeWindowRecord[] = [];
  const saturation: SaturationRecord[] = [];
  const s = saturationOf(i);
  for (let w = 0; w < 6; w++) {
    const at = new Date(minute + w * WINDOW_MS + WINDOW_MS / 2);
    for (const probe of PROBES) {
      const shape = SHAPES[probe][(i * 7 + minute / MINUTE_MS + w) % 64];
      const latency = canary && probe === "web-http" ? shape.latency.map((b) => ({ index: Math.min(255, b.index + 1), count: b.count })) : shape.latency;
      probes.push({ probe, at, durationMs: WINDOW_MS, siteVersion: SITE_VERSION, count: shape.count, errors: shape.errors, latency });
    }
    saturation.push({ at, durationMs: WINDOW_MS, cpu: s.cpu, memory: s.memory, load: s.load, disk: Math.max(...s.disks.map((d) => d.used)) });
  }
  return { batchId: `seed-${i}-${minute}`, probes, saturation };
}

async function seed(store: Store, o: HealthBenchOptions, from: number): Promise<{ seconds: number; batches: number }> {
  const t0 = performance.now();
  for (let m = 0; m < o.minutes; m++) {
    const minute = from + m * MINUTE_MS;
    for (let i = 0; i < o.nodes; i++) {
      if (!(await store.health.saveHealth(certnameOf(i), seededMinute(i, minute, i < o.canary), new Date(minute + MINUTE_MS)))) throw new Error("health bench: a seeded batch was not stored");
    }
  }
  return { seconds: (performance.now() - t0) / 1000, batches: o.nodes * o.minutes };
}

/** One warm-up, then REPEATS timed calls: median and p95, ms. */
async function timed(fn: () => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  await fn();
  const samples: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return { p50: median(samples), p95: percentile(samples, 0.95) };
}

const WHERE = { file: "ancla.yaml", line: 1, column: 1 };

async function measureAnalysis(base: string, o: HealthBenchOptions): Promise<Results> {
  const site = join(base, "analysis-site");
  mkdirSync(site);
  writeFileSync(join(site, "nodes.yaml"), "nodes: []\n");
  const { dataDir } = initBenchDataDir(join(base, "analysis-server"), site);
  const paths = dataDirPaths(dataDir);
  // The window a run made now reads: whole minutes, ending at the last complete one.
  const now = new Date();
  const { from, to } = analysisWindow(o.minutes * 60, now);

  let store = openStore(paths.database);
  let seeded: { seconds: number; batches: number };
  try {
    seeded = await seed(store, o, from.getTime());
  } finally {
    await store.close();
  }
  const results: Results = {
    "seed nodes": o.nodes,
    "seed minutes": o.minutes,
    "seed probe windows": seeded.batches * 6 * PROBES.length,
    "seed probe minute rows": seeded.batches * PROBES.length,
    "seed seconds": seeded.seconds,
    "seed saveHealth batches/s": seeded.batches / seeded.seconds,
    "seed probe windows/s": (seeded.batches * 6 * PROBES.length) / seeded.seconds,
    "database MB": statSync(paths.database).size / 1e6,
  };

  store = openStore(paths.database);
  try {
    const canary = Array.from({ length: o.canary }, (_, i) => certnameOf(i));
    const control = Array.from({ length: o.nodes - o.canary }, (_, i) => certnameOf(o.canary + i));
    const label = `${o.canary} vs ${o.nodes - o.canary}`;
    let totals: Awaited<ReturnType<Store["health"]["probeTotals"]>>[] = [];
    const probe = await timed(async () => (totals = await Promise.all([store.health.probeTotals("web-http", canary, from, to), store.health.probeTotals("web-http", control, from, to)])));
    const expected = [canary.length, control.length].map((n) => n * o.minutes * 6 * ATTEMPTS);
    if (totals[0].count !== expected[0] || totals[1].count !== expected[1])
      throw new Error(`health bench: probeTotals counted ${totals[0].count} and ${totals[1].count} attempts, expected ${expected[0]} and ${expected[1]}`);
    const saturation = await timed(() => Promise.all([store.health.saturation(canary, from, to), store.health.saturation(control, from, to)]));
    const template: AnalysisTemplate = {
      name: "bench",
      windowSeconds: o.minutes * 60,
      intervalSeconds: 60,
      minSamples: 30,
      failureLimit: 0,
      inconclusiveLimit: 0,
      errorLimit: 2,
      probe: "web-http",
      checks: [
        { kind: "error_rate", where: WHERE, name: "error_rate", max: 0.05, maxDeltaToControl: 0.01 },
        { kind: "p95_latency_ms", where: WHERE, name: "p95_latency_ms", maxRatioToControl: 1.5 },
        { kind: "saturation", where: WHERE, name: "saturation", max: { cpu: 0.9, memory: 0.9, disk: 0.9 } },
      ],
      where: WHERE,
    };
    const ctx = { canary, control, release: SITE_VERSION, environment: "production" };
    let run: Awaited<ReturnType<typeof runAnalysis>> | undefined;
    const analysis = await timed(async () => (run = await runAnalysis(template, ctx, now, { health: store.health })));
    const errored = run!.checks.filter((c) => c.outcome === "error");
    if (errored.length > 0) throw new Error(`health bench: analysis checks failed to run: ${errored.map((c) => c.message).join("; ")}`);
    Object.assign(results, {
      [`analysis ${label} ms`]: probe.p50,
      [`analysis ${label} p95 ms`]: probe.p95,
      [`analysis saturation ${label} ms`]: saturation.p50,
      [`analysis saturation ${label} p95 ms`]: saturation.p95,
      [`analysis runAnalysis ${label} ms`]: analysis.p50,
      [`analysis runAnalysis ${label} p95 ms`]: analysis.p95,
      "analysis runAnalysis checks": run!.checks.length,
      "analysis canary web-http p95 ms": totals[0].latency.quantile(0.95)!,
      "analysis control web-http p95 ms": totals[1].latency.quantile(0.95)!,
    });
    process.stderr.write(`health bench: runAnalysis ${run!.outcome}: ${run!.checks.map((c) => `${c.check}${c.probe ? ` ${c.probe}` : ""} ${c.outcome}`).join(", ")}\n`);
  } finally {
    await store.close();
  }
  return results;
}

// ---- 3. the real agent daemon ---------------------------------------------------

/** The agent as it ships when built (`npm run package`), else its bundle (`npm run bundle`), else the tsc build. */
function agentCommand(): { argv: string[]; kind: number; describe: string } {
  const executable = join(ROOT, "dist/ancla-agent");
  if (existsSync(executable)) return { argv: [executable], kind: 2, describe: `${executable} (single executable)` };
  const bundle = AGENT_BUNDLE;
  if (existsSync(bundle)) {
    // On the runtime it ships with when that is here already (agent-vs-peers fetches it), else this Node.
    const shipped = join(agentRuntimeDir(), "bin/node");
    const node = existsSync(shipped) ? shipped : process.execPath;
    return { argv: [node, ...AGENT_NODE_FLAGS, bundle], kind: 1, describe: `${node} ${AGENT_NODE_FLAGS.join(" ")} ${bundle} (bundle)` };
  }
  const cli = join(ROOT, "dist/agent/cli/main.js");
  return { argv: [process.execPath, cli], kind: 0, describe: `${process.execPath} ${cli} (tsc build)` };
}

/** The Node.js major the daemon runs on: the single executable's is the pinned runtime. */
function nodeMajorOf(command: { argv: string[]; kind: number }): number {
  if (command.kind === 2) return Number(AGENT_RUNTIME_VERSION.split(".")[0]);
  const r = spawnSync(command.argv[0], ["-p", "process.versions.node"], { encoding: "utf8" });
  return Number(/^(\d+)/.exec(r.stdout.trim())?.[1] ?? NaN);
}

function statusKib(pid: number, field: "VmRSS" | "VmHWM" | "RssAnon" | "RssFile"): number {
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? NaN);
}

function listen(server: Server | ReturnType<typeof createHttpServer>): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
}

function closeServer(server: Server | ReturnType<typeof createHttpServer>): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function writeProbeSite(dir: string, managed: string, httpPort: number, tcpPort: number): void {
  mkdirSync(join(dir, "modules/app"), { recursive: true });
  writeFileSync(join(dir, "nodes.yaml"), 'nodes:\n  - match: "*"\n    modules: [app]\n');
  writeFileSync(
    join(dir, "modules/app/module.yaml"),
    `resources:
  - type: file
    title: "${managed}/\${node.name}.conf"
    content: "bench\\n"
probes:
  - name: web-http
    http: { url: "http://127.0.0.1:${httpPort}/web", status: 200 }
    every: 10s
    timeout: 2s
  - name: api-http
    http: { url: "http://127.0.0.1:${httpPort}/api", status: 200 }
    every: 10s
    timeout: 2s
  - name: db-tcp
    tcp: { host: 127.0.0.1, port: ${tcpPort} }
    every: 10s
    timeout: 2s
`,
  );
}

interface Daemon {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  stop(): Promise<void>;
}

function spawnDaemon(argv: string[], config: string): Daemon {
  const child = spawn(argv[0], [...argv.slice(1), "run", "--config", config], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        // SIGTERM lets a run under way finish; a daemon that hangs is killed.
        const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

async function until(what: string, probe: () => boolean, daemon: Daemon, timeoutMs: number): Promise<void> {
  const t0 = performance.now();
  while (!probe()) {
    if (daemon.child.exitCode !== null || daemon.child.signalCode !== null)
      throw new Error(`health bench: the daemon exited (${daemon.child.exitCode ?? daemon.child.signalCode}) before ${what}: ${daemon.stderr().slice(-2000)}`);
    if (performance.now() - t0 > timeoutMs) throw new Error(`health bench: gave up waiting for ${what}; daemon stderr: ${daemon.stderr().slice(-2000)}`);
    await sleep(100);
  }
}

async function measureAgent(base: string, o: HealthBenchOptions, ticks: number): Promise<Results> {
  const undo: (() => Promise<void> | void)[] = [];
  try {
    // What the probes reach: an HTTP app answering "ok" at once, and a port that accepts.
    const app = createHttpServer((_req, res) => res.writeHead(200, { "content-type": "text/plain" }).end("ok\n"));
    const httpPort = await listen(app);
    undo.push(() => closeServer(app));
    const db = createTcpServer((socket) => socket.end());
    const tcpPort = await listen(db);
    undo.push(() => closeServer(db));

    const site = join(base, "agent-site");
    const managed = join(base, "managed");
    mkdirSync(managed);
    writeProbeSite(site, managed, httpPort, tcpPort);
    const { dataDir, adminToken, caPem } = initBenchDataDir(join(base, "agent-server"), site);
    const server: BenchServer = await startBenchServer(dataDir);
    undo.push(() => server.stop());
    const https = new Agent({ keepAlive: true, maxSockets: 1 });
    undo.push(() => https.destroy());
    const api = (path: string, method = "GET", body?: unknown) => apiCall(server.url, path, adminToken, caPem, https, method, body === undefined ? undefined : JSON.stringify(body));

    const command = agentCommand();
    process.stderr.write(`health bench: the daemon is ${command.describe}\n`);
    const certname = "bench-agent.example.net";
    const stateDir = join(base, "agent-state");
    const created = await api("/api/v1/tokens", "POST", { ttl_seconds: 3600, one_time: true });
    if (created.status !== 201 && created.status !== 200) throw new Error(`health bench: token create answered ${created.status}: ${created.body}`);
    const token = (JSON.parse(created.body) as { token: string }).token;
    const bootstrap = spawnSync(
      command.argv[0],
      [...command.argv.slice(1), "bootstrap", "--server", server.grpc, "--ca-fingerprint", caFingerprint(dataDir).caFingerprint, "--certname", certname, "--state-dir", stateDir, "--token", token],
      { encoding: "utf8" },
    );
    if (bootstrap.status !== 0) throw new Error(`health bench: bootstrap failed (${bootstrap.status}): ${bootstrap.stderr}`);
    const config = join(base, "agent.yaml");
    writeFileSync(config, `state_dir: ${stateDir}\nrun_interval: 3600\nsplay: 0\nhealth_window: 10\n`);

    const daemon = spawnDaemon(command.argv, config);
    undo.push(() => daemon.stop());
    const pid = daemon.child.pid!;
    await until(
      "its first run",
      () =>
        daemon
          .stdout()
          .split("\n")
          .some((l) => l.startsWith("run ")),
      daemon,
      120_000,
    );
    const firstRunAt = Date.now();
    // Settle for a window: the first run's garbage collected, the first health flush made.
    await sleep(WINDOW_MS);
    const cpu0 = cpuSeconds(pid, ticks);
    const t0 = performance.now();
    await sleep(o.agentSeconds * 1000);
    const cpu = cpuSeconds(pid, ticks) - cpu0;
    const seconds = (performance.now() - t0) / 1000;
    const rss = statusKib(pid, "VmRSS") / 1024;
    const hwm = statusKib(pid, "VmHWM") / 1024;
    // Anonymous (heaps) and file-backed (the executable's pages it touched, shared with the page cache).
    const anon = statusKib(pid, "RssAnon") / 1024;
    const file = statusKib(pid, "RssFile") / 1024;
    if (daemon.child.exitCode !== null) throw new Error(`health bench: the daemon exited during the measurement: ${daemon.stderr().slice(-2000)}`);

    // The server's side: the attempts the daemon's batches brought, per probe.
    const minutes = Math.ceil((Date.now() - firstRunAt) / MINUTE_MS) + 1;
    const answer = await api(`/api/v1/nodes/${encodeURIComponent(certname)}/probes?minutes=${minutes}`);
    if (answer.status !== 200) throw new Error(`health bench: GET /api/v1/nodes/${certname}/probes answered ${answer.status}: ${answer.body}`);
    const probes = (JSON.parse(answer.body) as { probes: { probe: string; count: number; errors: Record<string, number> }[] }).probes;
    const attempts = probes.reduce((sum, p) => sum + p.count, 0);
    const errors = probes.reduce((sum, p) => sum + Object.values(p.errors).reduce((a, b) => a + b, 0), 0);
    const reporting = probes.filter((p) => p.count > 0).length;
    if (reporting < PROBES.length) throw new Error(`health bench: the server has attempts for ${reporting} of the ${PROBES.length} probes: ${answer.body.slice(0, 2000)}`);
    return {
      "agent daemon (0 tsc, 1 bundle, 2 executable)": command.kind,
      "agent runtime node major": nodeMajorOf(command),
      "agent seconds": seconds,
      "agent cpu % of one core": (100 * cpu) / seconds,
      "agent rss MB": rss,
      "agent peak rss MB": hwm,
      "agent rss anon MB": anon,
      "agent rss file MB": file,
      "agent probes reporting": reporting,
      "agent probe attempts (server)": attempts,
      "agent probe attempts expected": Math.floor(((Date.now() - firstRunAt) / WINDOW_MS) * PROBES.length),
      "agent probe errors (server)": errors,
    };
  } finally {
    for (const step of undo.reverse()) await step();
  }
}

export async function benchHealth(o: HealthBenchOptions): Promise<Results> {
  const base = mkdtempSync(join(tmpdir(), "ancla-bench-health-"));
  try {
    const ticks = clockTicks();
    const results: Results = {};
    Object.assign(results, await measureIngest(base, o, ticks));
    Object.assign(results, await measureAnalysis(base, o));
    if (o.agentSeconds > 0) Object.assign(results, await measureAgent(base, o, ticks));
    return results;
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}
