// Rollout benchmark: a real server process on loopback and simulated agents
// in this process that hold Watch streams open and, when nudged, check in
// and report as a daemon would. Measures (1) from `POST /api/v1/rollouts` to
// the canary's report on the new release, (2) from a failed run on a moved
// node to every moved node back on the stable release (the rollback's
// nudges, check-ins and catalogs), and (3) with 1,000 agents holding Watch
// streams, the server memory one stream costs and the check-ins per second
// the server sustains. Median of several rounds for (1) and (2).
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JsonObject } from "@bufbuild/protobuf";
import { envelopeFromMessage } from "../catalog/envelope.js";
import type { Catalog } from "../catalog/model.js";
import { ReportStatus } from "../proto/gen/ancla/v1/agent_pb.js";
import { apiCall, initBenchDataDir, startBenchServer, type BenchServer } from "./server-process.js";
import { enrollSimAgents, type SimAgent } from "./sim-agents.js";

export interface RolloutBenchOptions {
  /** Agents in the rollout measurements. */
  agents: number;
  /** Agents holding Watch streams for the memory and throughput measurement. */
  watchAgents: number;
  rounds: number;
  roundSeconds: number;
}

const FACTS: JsonObject = { os: { family: "debian", release: "12" }, kernel: "6.1.0" };

function writeSite(dir: string, version: number): void {
  mkdirSync(join(dir, "modules/base"), { recursive: true });
  writeFileSync(join(dir, "nodes.yaml"), 'nodes:\n  - match: "*"\n    modules: [base]\n');
  // Canary first, then half the fleet, then a long bake: the rollback is measured with half the nodes moved.
  writeFileSync(
    join(dir, "ancla.yaml"),
    "environments:\n  production: { strategy: bench }\nstrategies:\n  bench:\n    steps: [{ nodes: 1 }, { percent: 50 }, { wait: 1h }]\n    gates: { report_within: 10m }\n",
  );
  const resources = Array.from({ length: 20 }, (_, i) => `  - type: file\n    title: "/srv/\${node.name}/f${i}"\n    content: "v${version} line ${i} for \${node.name}\\n"\n`);
  writeFileSync(join(dir, "modules/base/module.yaml"), `resources:\n${resources.join("")}`);
}

/** A daemon in miniature: on RunNow, a check-in and a report of the release it got. */
interface Daemon extends SimAgent {
  digest: string;
  version: string;
  /** The next nudged run reports a failure. */
  failNext: boolean;
  /** When it last got a catalog of each release (performance.now()). */
  gotAt: Map<string, number>;
  reportedAt: Map<string, number>;
  /** Ends its Watch stream (the call's cancel). */
  stopWatching?: () => void;
}

async function checkinAndReport(d: Daemon): Promise<void> {
  const answer = await d.client.getCatalog({ facts: FACTS, haveDigest: d.digest });
  if (answer.result.case === "catalog") {
    const catalog = JSON.parse(Buffer.from(envelopeFromMessage(answer.result.value).payload).toString("utf8")) as Catalog;
    d.version = catalog.siteVersion;
  }
  d.digest = answer.digest;
  if (!d.gotAt.has(d.version)) d.gotAt.set(d.version, performance.now());
  const status = d.failNext ? ReportStatus.FAILED : ReportStatus.UNCHANGED;
  d.failNext = false;
  await d.report({
    runId: `${d.certname}-${createHash("sha1").update(String(Math.random())).digest("hex")}`,
    siteVersion: d.version,
    catalogDigest: d.digest,
    status,
    startedAt: new Date().toISOString(),
    durationMs: 10,
  });
  if (!d.reportedAt.has(d.version)) d.reportedAt.set(d.version, performance.now());
}

/** Holds the agent's Watch stream open and runs at every RunNow, one run at a time. */
function watch(d: Daemon): void {
  const stream = d.client.watch({});
  // The stream is grpc-js's ClientReadableStream: cancel() ends the call.
  d.stopWatching = () => (stream as unknown as { cancel(): void }).cancel();
  let running: Promise<void> = Promise.resolve();
  void (async () => {
    try {
      for await (const event of stream) {
        if (event.event.case === "runNow") running = running.then(() => checkinAndReport(d)).catch(() => undefined);
      }
    } catch {
      // Ended by the bench (abort) or the server stopping.
    }
  })();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, probe: () => boolean, timeoutMs = 120_000): Promise<number> {
  const t0 = performance.now();
  while (!probe()) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`bench: gave up waiting for ${what}`);
    await sleep(5);
  }
  return performance.now();
}

function rssKib(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? NaN);
}

/** The median of three RSS readings 300 ms apart. */
async function medianRss(pid: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 3; i++) {
    if (i > 0) await sleep(300);
    samples.push(rssKib(pid));
  }
  return median(samples);
}

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface Api {
  call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }>;
}

function apiOf(server: BenchServer, token: string, ca: string): Api {
  const https = new Agent({ keepAlive: true });
  return {
    async call(method, path, body) {
      const r = await apiCall(server.url, `/api/v1${path}`, token, ca, https, method, body === undefined ? undefined : JSON.stringify(body));
      return { status: r.status, json: r.body ? JSON.parse(r.body) : undefined };
    },
  };
}

/** One rollout measured: start → canary on the new release; failure → every moved node back. */
async function rolloutRound(api: Api, site: string, daemons: Daemon[], version: number): Promise<{ canaryMs: number; rollbackMs: number; moved: number }> {
  writeSite(site, version);
  // A check-in sees the new version, which the server keeps as a release before a rollout can name it.
  await checkinAndReport(daemons[0]);
  let releases: { version: string }[] = [];
  for (let i = 0; i < 400 && releases.length < version; i++) {
    releases = ((await api.call("GET", "/releases")).json as { releases: { version: string }[] }).releases;
    if (releases.length < version) await sleep(25);
  }
  const target = releases[0].version;
  const t0 = performance.now();
  const started = await api.call("POST", "/rollouts", { environment: "production", release: target });
  if (started.status !== 201) throw new Error(`bench: rollout start: ${JSON.stringify(started.json)}`);
  const { id, from_release: stable } = started.json as { id: string; from_release: string };
  const canaryAt = await until("the canary's report on the new release", () => daemons.some((d) => d.reportedAt.has(target)));
  const half = Math.ceil(daemons.length / 2);
  await until("half the fleet on the new release", () => daemons.filter((d) => d.reportedAt.has(target)).length >= half);
  // Every node that reported the target is moved; let the controller reach the wait step.
  await sleep(1500);
  const moved = daemons.filter((d) => d.reportedAt.has(target));
  for (const d of moved) d.gotAt.delete(stable);
  const failing = moved[moved.length - 1];
  failing.failNext = true;
  const t1 = performance.now();
  await checkinAndReport(failing);
  const backAt = await until("every moved node back on the stable release", () => moved.every((d) => d.gotAt.has(stable)));
  const r = (await api.call("GET", `/rollouts/${id}`)).json as { state: string };
  if (r.state !== "rolled-back") throw new Error(`bench: the rollout is ${r.state}, not rolled-back`);
  return { canaryMs: canaryAt - t0, rollbackMs: backAt - t1, moved: moved.length };
}

async function enrollDaemons(server: BenchServer, api: Api, ca: string, count: number, prefix: string): Promise<Daemon[]> {
  const created = await api.call("POST", "/tokens", { ttl_seconds: 3600, one_time: false });
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(4, "0")}`);
  const enrolled = await enrollSimAgents(server.grpc, ca, (created.json as { token: string }).token, names);
  return enrolled.map((a) => ({ ...a, digest: "", version: "", failNext: false, gotAt: new Map(), reportedAt: new Map() }));
}

export async function benchRollout(opts: RolloutBenchOptions): Promise<Record<string, number>> {
  const base = mkdtempSync(join(tmpdir(), "ancla-bench-"));
  try {
    const site = join(base, "site");
    writeSite(site, 1);
    const { dataDir, adminToken, caPem } = initBenchDataDir(join(base, "server"), site);
    // All simulated agents dial from 127.0.0.1: lift the per-address connection bound for them.
    const config = join(base, "server.yaml");
    writeFileSync(config, `max_connections_per_address: ${opts.watchAgents + opts.agents + 64}\n`);
    const server = await startBenchServer(dataDir, ["--config", config]);
    try {
      const api = apiOf(server, adminToken, caPem);
      const daemons = await enrollDaemons(server, api, caPem, opts.agents, "sim");
      await Promise.all(daemons.map(checkinAndReport));
      daemons.forEach(watch);
      await sleep(500);
      const rounds = [];
      for (let i = 0; i < opts.rounds; i++) rounds.push(await rolloutRound(api, site, daemons, i + 2));
      for (const d of daemons) {
        d.stopWatching?.();
        d.close();
      }

      // 1,000 agents: connected and checked in, then each with a Watch stream open too.
      const fleet = await enrollDaemons(server, api, caPem, opts.watchAgents, "watch");
      await Promise.all(fleet.map(checkinAndReport));
      await sleep(2000);
      const before = await medianRss(server.pid);
      fleet.forEach(watch);
      const metrics = async () => Number(/ancla_watch_streams (\d+)/.exec(String((await apiCall(server.url, "/metrics", adminToken, caPem, new Agent(), "GET")).body))?.[1] ?? 0);
      for (let i = 0; i < 400 && (await metrics()) < fleet.length; i++) await sleep(50);
      await sleep(2000);
      const after = await medianRss(server.pid);
      const throughput = [];
      for (let r = 0; r < opts.rounds; r++) {
        const cpu0 = cpuSeconds(server.pid);
        const t0 = performance.now();
        const stop = t0 + opts.roundSeconds * 1000;
        let checkins = 0;
        await Promise.all(
          fleet.slice(0, 200).map(async (d) => {
            while (performance.now() < stop) {
              await d.client.getCatalog({ facts: FACTS, haveDigest: d.digest });
              checkins++;
            }
          }),
        );
        throughput.push({ perS: checkins / ((performance.now() - t0) / 1000), cpuMs: ((cpuSeconds(server.pid) - cpu0) * 1000) / checkins });
      }
      for (const d of fleet) {
        d.stopWatching?.();
        d.close();
      }
      return {
        agents: opts.agents,
        rollouts: opts.rounds,
        canary_report_ms: median(rounds.map((r) => r.canaryMs)),
        rollback_moved_nodes: median(rounds.map((r) => r.moved)),
        rollback_complete_ms: median(rounds.map((r) => r.rollbackMs)),
        watch_streams: fleet.length,
        watch_stream_kib_each: (after - before) / fleet.length,
        checkins_per_s_with_streams: median(throughput.map((t) => t.perS)),
        checkin_cpu_ms_with_streams: median(throughput.map((t) => t.cpuMs)),
      };
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}
