// Real processes for end-to-end tests: the built CLIs (dist/), a server on
// loopback with its own data dir, agents with their own state dirs.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Test } from "tap";
import { waitForRuntime } from "../../server/runtime.js";

export const ROOT = resolve(fileURLToPath(import.meta.url), "../../..");
const BIN = {
  server: join(ROOT, "dist/server/cli/main.js"),
  agent: join(ROOT, "dist/agent/cli/main.js"),
  ancla: join(ROOT, "dist/server/operator/main.js"),
};

export interface Exec {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a built CLI to completion; `input` is its stdin (empty when absent). */
export function cli(which: keyof typeof BIN, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string | Buffer } = {}): Promise<Exec> {
  if (!existsSync(BIN[which])) throw new Error(`${BIN[which]} is missing: run \`npm run build\` first`);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN[which], ...args], { env: { ...process.env, ...opts.env }, stdio: ["pipe", "pipe", "pipe"] });
    // A CLI may exit without reading its stdin: the broken pipe is its business, not the test's.
    child.stdin.on("error", () => undefined);
    child.stdin.end(opts.input);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? -1, stdout, stderr });
    });
  });
}

/**
 * t.testdir(content) for a test that starts processes in it: removed only
 * after the test's teardowns have stopped them. tap removes a testdir before
 * running teardowns registered after it, so a server or daemon still writing
 * there made that removal fail now and then (ENOTEMPTY); a teardown registered
 * first puts tap's teardowns inside the removal.
 */
export function workDir(t: Test, content?: Parameters<Test["testdir"]>[0]): string {
  t.teardown(() => undefined);
  return t.testdir(content);
}

/** A free TCP port on loopback (so a restarted server can come back on the same address). */
export function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolvePromise(port));
    });
    srv.on("error", reject);
  });
}

export interface RunningServer {
  child: ChildProcess;
  /** What agents dial: localhost (the name on the server certificate) and the gRPC port. */
  grpc: string;
  url: string;
  logs(): string;
  /** SIGTERM, and the exit code once it has stopped. */
  stop(): Promise<number>;
}

export async function startServer(dataDir: string, grpcPort: number): Promise<RunningServer> {
  const child = spawn(process.execPath, [BIN.server, "start", "--data-dir", dataDir, "--grpc", `127.0.0.1:${grpcPort}`, "--http", "127.0.0.1:0"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ANCLA_LOG_LEVEL: "warn" },
  });
  let output = "";
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number>((r) => child.on("exit", (code) => r(code ?? -1)));
  let runtime: Awaited<ReturnType<typeof waitForRuntime>>;
  try {
    runtime = await waitForRuntime(dataDir, child);
  } catch (err) {
    child.kill("SIGKILL");
    throw new Error(`${(err as Error).message}:\n${output}`);
  }
  return {
    child,
    grpc: `localhost:${grpcPort}`,
    url: runtime.url,
    logs: () => output,
    stop: () => {
      child.kill("SIGTERM");
      return exited;
    },
  };
}

/** git in `dir` as a fixed author, for sites kept in a repository; its output, trimmed. */
export function git(dir: string, ...args: string[]): string {
  return execFileSync("git", ["-C", dir, "-c", "user.name=Ada Lovelace", "-c", "user.email=ada@example.com", ...args], { encoding: "utf8" }).trim();
}
