// Check-in benchmark: a real server process on loopback, 200 simulated agents
// (each its own key, certificate and TLS channel) in this process.
// Measures (1) server CPU per unchanged check-in, read from /proc for the
// server's pid, and (2) check-ins per second with all 200 agents checking in
// back to back. Median of several rounds.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { Agent } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { apiCall, initBenchDataDir, startBenchServer } from "./server-process.js";
import { enrollSimAgents, type SimAgent } from "./sim-agents.js";

export interface CheckinBenchOptions {
  agents: number;
  rounds: number;
  roundSeconds: number;
}

interface Checking extends SimAgent {
  digest: string;
  crlDigest: string;
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

/** A check-in as a real agent makes it: with the digests of the catalog and the revocation list it holds. */
async function checkin(agent: Checking): Promise<void> {
  const res = await agent.client.getCatalog({ facts: { ...FACTS, hostname: agent.certname, uptime_seconds: Math.floor(process.uptime()) }, haveDigest: agent.digest, haveCrlDigest: agent.crlDigest });
  agent.digest = res.digest;
  if (res.crlDer.length > 0) agent.crlDigest = createHash("sha256").update(res.crlDer).digest("hex");
}

/** All agents check in back to back for `seconds`; returns the count and the server's CPU seconds. */
async function round(agents: Checking[], pid: number, seconds: number): Promise<{ checkins: number; cpu: number; wall: number }> {
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
    const { dataDir, adminToken, caPem } = initBenchDataDir(join(base, "server"), site);
    const server = await startBenchServer(dataDir);
    try {
      const https = new Agent({ keepAlive: false });
      const created = await apiCall(server.url, "/api/v1/tokens", adminToken, caPem, https, "POST", JSON.stringify({ ttl_seconds: 3600, one_time: false }));
      if (created.status !== 201) throw new Error(`token: ${created.status} ${created.body}`);
      const names = Array.from({ length: opts.agents }, (_, i) => `sim-${String(i).padStart(4, "0")}`);
      const enrolled = await enrollSimAgents(server.grpc, caPem, (JSON.parse(created.body) as { token: string }).token, names);
      const agents: Checking[] = enrolled.map((a) => ({ ...a, digest: "", crlDigest: "" }));
      const cold0 = cpuSeconds(server.pid);
      const t0 = performance.now();
      await Promise.all(agents.map(checkin)); // first check-in: compile + sign each catalog
      const coldWall = (performance.now() - t0) / 1000;
      const coldCpuMs = ((cpuSeconds(server.pid) - cold0) * 1000) / agents.length;
      const rounds = [];
      for (let i = 0; i < opts.rounds; i++) rounds.push(await round(agents, server.pid, opts.roundSeconds));
      for (const a of agents) a.close();
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
