// A server with a site and enrolled agents, in temp dirs, for end-to-end tests.
import type { Test } from "tap";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli, freePort, startServer, type Exec, type RunningServer, workDir } from "./processes.js";

/**
 * A site whose "files" module manages `count` files (49 files + their directory
 * make 50 resources when count is 49) under `root/${node.name}/`.
 */
export function writeFilesSite(siteDir: string, root: string, count: number, version = "v1"): void {
  mkdirSync(join(siteDir, "modules/files"), { recursive: true });
  writeFileSync(join(siteDir, "nodes.yaml"), 'nodes:\n  - match: "*"\n    modules: [files]\n');
  const resources = [`  - type: file\n    title: "${root}/\${node.name}"\n    ensure: directory\n    mode: "0755"\n`];
  for (let i = 1; i <= count; i++) {
    const name = `f${String(i).padStart(3, "0")}.conf`;
    resources.push(`  - type: file\n    title: "${root}/\${node.name}/${name}"\n    content: "# ${name} ${version} for \${node.name}\\n"\n    mode: "0644"\n`);
  }
  writeFileSync(join(siteDir, "modules/files/module.yaml"), `resources:\n${resources.join("")}`);
}

export interface Fleet {
  dataDir: string;
  server: RunningServer;
  grpcPort: number;
  fingerprint: string;
  /** Runs `ancla` against this server (found through --data-dir, as on the server host); `input` on its stdin. */
  ancla(args: string[], input?: string): Promise<Exec>;
  token(): Promise<string>;
  restart(): Promise<void>;
  stop(): Promise<number>;
}

export async function startFleet(base: string, siteDir: string): Promise<Fleet> {
  const dataDir = join(base, "server");
  const init = await cli("server", ["init", "--data-dir", dataDir, "--site", siteDir, "--hostname", "localhost", "--json"]);
  if (init.code !== 0) throw new Error(`init failed: ${init.stderr}`);
  const { caFingerprint } = JSON.parse(init.stdout) as { caFingerprint: string };
  const grpcPort = await freePort();
  const fleet: Fleet = {
    dataDir,
    grpcPort,
    fingerprint: caFingerprint,
    server: await startServer(dataDir, grpcPort),
    ancla: (args, input) => cli("ancla", [...args, "--data-dir", dataDir], { input }),
    async token() {
      const r = await fleet.ancla(["token", "create", "--ttl", "1h", "--json"]);
      if (r.code !== 0) throw new Error(`token create failed: ${r.stderr}`);
      return (JSON.parse(r.stdout) as { token: string }).token;
    },
    async restart() {
      fleet.server = await startServer(dataDir, grpcPort);
    },
    stop: () => fleet.server.stop(),
  };
  return fleet;
}

export interface Agent {
  certname: string;
  stateDir: string;
  run(extra?: string[]): Promise<Exec>;
}

export function agentAt(base: string, certname: string): Agent {
  const stateDir = join(base, `agent-${certname}`);
  return {
    certname,
    stateDir,
    run: (extra = []) => cli("agent", ["run", "--once", "--json", "--state-dir", stateDir, ...extra]),
  };
}

export async function enroll(fleet: Fleet, base: string, certname: string, token?: string): Promise<Agent> {
  const agent = agentAt(base, certname);
  const args = ["bootstrap", "--server", fleet.server.grpc, "--ca-fingerprint", fleet.fingerprint, "--certname", certname, "--state-dir", agent.stateDir];
  const r = await cli("agent", [...args, "--token", token ?? (await fleet.token())]);
  if (r.code !== 0) throw new Error(`bootstrap of ${certname} failed: ${r.stderr}`);
  return agent;
}

/**
 * A server whose site manages two files under `base/managed/`, stopped at the
 * test's end, and web-01 enrolled with a token and converged by a first run.
 */
export async function fleetWithAgent(t: Test): Promise<{ base: string; fleet: Fleet; agent: Agent }> {
  const base = workDir(t, { site: {}, managed: {} });
  writeFilesSite(join(base, "site"), join(base, "managed"), 2);
  const fleet = await startFleet(base, join(base, "site"));
  t.teardown(() => fleet.stop());
  const agent = await enroll(fleet, base, "web-01");
  const first = await agent.run();
  t.equal(first.code, 2, `a first run converges (stderr: ${first.stderr})`);
  return { base, fleet, agent };
}

/** The JSON run report `ancla-agent run --json` prints (protobuf JSON: zero values are omitted). */
export interface ReportJson {
  runId: string;
  status: string;
  catalogSource: string;
  events?: { resource: string; property: string; result: string; corrective?: boolean }[];
  counts?: { total?: number; changed?: number; corrective?: number };
  logs?: { code?: string; message: string }[];
}

export const parseReport = (stdout: string): ReportJson => JSON.parse(stdout) as ReportJson;
