// Check-in benchmark: a real server process on loopback, 200 simulated agents
// (each its own key, certificate and TLS channel) in this process.
// Measures (1) server CPU per unchanged check-in, read from /proc for the
// server's pid, and (2) check-ins per second with all 200 agents checking in
// back to back. Median of several rounds.
import * as grpc from "@grpc/grpc-js";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCsr } from "../pki/csr.js";
import { generateKeyPair } from "../pki/keys.js";
import { AgentService } from "../proto/gen/ancla/v1/agent_pb.js";
import { BootstrapService } from "../proto/gen/ancla/v1/bootstrap_pb.js";
import { makeClient, type ServiceClient } from "../proto/grpc.js";
import { waitForRuntime } from "../server/runtime.js";

const ROOT = join(import.meta.dirname, "../..");
const SERVER = join(ROOT, "dist/server/cli/main.js");

export interface CheckinBenchOptions {
  agents: number;
  rounds: number;
  roundSeconds: number;
}

interface SimAgent {
  certname: string;
  client: ServiceClient<typeof AgentService>;
  digest: string;
}

const FACTS = {
  os: { family: "debian", name: "Debian", release: "12.8", codename: "bookworm", arch: "x64" },
  kernel: "6.1.0-28-amd64",
  virtual: "kvm",
  cpu: { count: 2, model: "Intel Xeon" },
  memory: { total_bytes: 25769803776 },
  networking: { ip: "10.0.0.5", interfaces: { eth0: { ip: "10.0.0.5", mac: "52:54:00:12:34:56" } } },
};

function writeSite(dir: string): void {
  mkdirSync(join(dir, "modules/base"), { recursive: true });
  writeFileSync(join(dir, "nodes.yaml"), 'nodes:\n  - match: "*"\n    modules: [base]\n');
  const resources = Array.from({ length: 100 }, (_, i) => `  - type: file\n    title: "/srv/\${node.name}/f${i}"\n    content: "line ${i} for \${node.name}\\n"\n    mode: "0644"\n`);
  writeFileSync(join(dir, "modules/base/module.yaml"), `resources:\n${resources.join("")}`);
}

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  // utime and stime are fields 14 and 15 of /proc/pid/stat (11 and 12 after the command).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function startServer(dataDir: string): Promise<{ pid: number; grpc: string; url: string; stop(): Promise<void> }> {
  // ANCLA_BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server.
  const nodeArgs = (process.env.ANCLA_BENCH_SERVER_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, SERVER, "start", "--data-dir", dataDir, "--grpc", "127.0.0.1:0", "--http", "127.0.0.1:0"], { stdio: "ignore", env: { ...process.env, ANCLA_LOG_LEVEL: "warn" } });
  const rt = await waitForRuntime(dataDir, child);
  return { pid: rt.pid, grpc: `localhost:${rt.grpc.split(":").pop()}`, url: rt.url, stop: () => new Promise((r) => (child.once("exit", () => r()), child.kill("SIGTERM"))) };
}

function createToken(url: string, adminToken: string, caPem: string): Promise<string> {
  const body = JSON.stringify({ ttl_seconds: 3600, one_time: false });
  return new Promise((resolve, reject) => {
    const req = request(`${url}/api/v1/tokens`, { method: "POST", ca: caPem, servername: "localhost", headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" } }, (res) => {
      let text = "";
      res.on("data", (d: Buffer) => (text += d.toString()));
      res.on("end", () => (res.statusCode === 200 || res.statusCode === 201 ? resolve((JSON.parse(text) as { token: string }).token) : reject(new Error(`token: ${res.statusCode} ${text}`))));
    });
    req.on("error", reject);
    req.end(body);
  });
}

async function enrollAgents(n: number, grpcAddr: string, caPem: string, token: string): Promise<SimAgent[]> {
  const boot = makeClient(BootstrapService, grpcAddr, grpc.credentials.createSsl(Buffer.from(caPem)));
  const agents: SimAgent[] = [];
  for (let i = 0; i < n; i++) {
    const certname = `sim-${String(i).padStart(4, "0")}`;
    const keys = generateKeyPair();
    const res = await boot.submitCSR({ csrPem: createCsr(keys.privateKeyPem, certname), token });
    if (!res.certPem) throw new Error(`enrol ${certname}: ${res.message}`);
    const creds = grpc.credentials.createSsl(Buffer.from(caPem), Buffer.from(keys.privateKeyPem), Buffer.from(res.certPem));
    agents.push({ certname, client: makeClient(AgentService, grpcAddr, creds), digest: "" });
  }
  boot.close();
  return agents;
}

async function checkin(agent: SimAgent): Promise<void> {
  const res = await agent.client.getCatalog({ facts: { ...FACTS, hostname: agent.certname, uptime_seconds: Math.floor(process.uptime()) }, haveDigest: agent.digest });
  agent.digest = res.digest;
}

/** All agents check in back to back for `seconds`; returns the count and the server's CPU seconds. */
async function round(agents: SimAgent[], pid: number, seconds: number): Promise<{ checkins: number; cpu: number; wall: number }> {
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  const until = t0 + seconds * 1000;
  let checkins = 0;
  await Promise.all(
    agents.map(async (a) => {
      while (performance.now() < until) {
        await checkin(a);
        checkins++;
      }
    }),
  );
  return { checkins, cpu: cpuSeconds(pid) - cpu0, wall: (performance.now() - t0) / 1000 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function benchCheckins(opts: CheckinBenchOptions): Promise<Record<string, number>> {
  const base = mkdtempSync(join(tmpdir(), "ancla-bench-"));
  try {
    const site = join(base, "site");
    writeSite(site);
    const dataDir = join(base, "server");
    const init = spawnSync(process.execPath, [SERVER, "init", "--data-dir", dataDir, "--site", site, "--hostname", "localhost", "--json"], { encoding: "utf8" });
    if (init.status !== 0) throw new Error(init.stderr);
    const { adminToken } = JSON.parse(init.stdout) as { adminToken: string };
    const caPem = readFileSync(join(dataDir, "ca/ca.crt"), "utf8");
    const server = await startServer(dataDir);
    try {
      const token = await createToken(server.url, adminToken, caPem);
      const agents = await enrollAgents(opts.agents, server.grpc, caPem, token);
      const cold0 = cpuSeconds(server.pid);
      const t0 = performance.now();
      await Promise.all(agents.map(checkin)); // first check-in: compile + sign each catalog
      const coldWall = (performance.now() - t0) / 1000;
      const coldCpuMs = ((cpuSeconds(server.pid) - cold0) * 1000) / agents.length;
      const rounds = [];
      for (let i = 0; i < opts.rounds; i++) rounds.push(await round(agents, server.pid, opts.roundSeconds));
      for (const a of agents) a.client.close();
      return {
        agents: agents.length,
        first_checkin_cpu_ms: coldCpuMs,
        first_checkins_per_s: agents.length / coldWall,
        unchanged_checkin_cpu_ms: median(rounds.map((r) => (r.cpu * 1000) / r.checkins)),
        unchanged_checkins_per_s: median(rounds.map((r) => r.checkins / r.wall)),
      };
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}
