// What the server benchmarks share: a data dir made by the real `ancla-server
// init`, the real server process started on loopback ports, and timed HTTPS
// calls to its API.
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { request, type Agent } from "node:https";
import { join } from "node:path";
import { dataDirPaths } from "../server/datadir.js";
import { waitForRuntime } from "../server/runtime.js";

const SERVER = join(import.meta.dirname, "../server/cli/main.js");

export interface BenchDataDir {
  dataDir: string;
  adminToken: string;
  caPem: string;
}

/** `ancla-server init` for `site` into `dataDir`. */
export function initBenchDataDir(dataDir: string, site: string): BenchDataDir {
  const init = spawnSync(process.execPath, [SERVER, "init", "--data-dir", dataDir, "--site", site, "--hostname", "localhost", "--json"], { encoding: "utf8" });
  if (init.status !== 0) throw new Error(init.stderr);
  const { adminToken } = JSON.parse(init.stdout) as { adminToken: string };
  return { dataDir, adminToken, caPem: readFileSync(dataDirPaths(dataDir).caCert, "utf8") };
}

export interface BenchServer {
  pid: number;
  url: string;
  /** localhost:PORT, as the server's certificate names it. */
  grpc: string;
  stop(): Promise<void>;
}

/** The server process on ports it picks; ANCLA_BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles it. */
export async function startBenchServer(dataDir: string, extraArgs: string[] = []): Promise<BenchServer> {
  const nodeArgs = (process.env.ANCLA_BENCH_SERVER_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, SERVER, "start", "--data-dir", dataDir, "--grpc", "127.0.0.1:0", "--http", "127.0.0.1:0", ...extraArgs], {
    stdio: "ignore",
    env: { ...process.env, ANCLA_LOG_LEVEL: "warn" },
  });
  const rt = await waitForRuntime(dataDir, child);
  return {
    pid: rt.pid,
    url: rt.url,
    grpc: `localhost:${rt.grpc.split(":").pop()}`,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

export interface Timed {
  status: number;
  /** The server's own time (Server-Timing), NaN when it sent none. */
  serverMs: number;
  clientMs: number;
  body: string;
}

/** One API request as `token`, timed by the client and by the server's Server-Timing header. */
export function apiCall(url: string, path: string, token: string, ca: string, agent: Agent, method = "GET", body?: string): Promise<Timed> {
  const t0 = performance.now();
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, url), { method, agent, ca, servername: "localhost", headers }, (res) => {
      let text = "";
      res.on("data", (d: Buffer) => (text += d.toString()));
      res.on("end", () => {
        const timing = /dur=([\d.]+)/.exec(String(res.headers["server-timing"] ?? ""));
        resolve({ status: res.statusCode ?? 0, serverMs: timing ? Number(timing[1]) : NaN, clientMs: performance.now() - t0, body: text });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

export const percentile = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
