// runtime.json: what a running server actually listens on (port 0 resolved).
// `start` writes it whole and renames it into place; the demo, the tests and the
// benchmarks wait for it through waitForRuntime, so none of them can read half of it.
import type { ChildProcess } from "node:child_process";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { dataDirPaths } from "./datadir.js";

export interface RuntimeInfo {
  pid: number;
  grpc: string;
  url: string;
}

export function writeRuntime(file: string, info: RuntimeInfo): void {
  writeFileSync(`${file}.tmp`, JSON.stringify(info, null, 2) + "\n", { mode: 0o644 });
  renameSync(`${file}.tmp`, file);
}

/** What runtime.json says, or undefined when no server wrote one (or it is being replaced). */
export function readRuntime(file: string): RuntimeInfo | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as RuntimeInfo;
  } catch {
    return undefined;
  }
}

/** Resolves once `server` (a spawned `ancla-server start`) has written its runtime.json; rejects if it exits or times out. */
export async function waitForRuntime(dataDir: string, server: ChildProcess, timeoutMs = 60_000): Promise<RuntimeInfo> {
  const file = dataDirPaths(dataDir).runtime;
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
    const info = readRuntime(file);
    if (info && info.pid === server.pid) return info;
    if (server.exitCode !== null) throw new Error(`the server exited with status ${server.exitCode}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the server did not start within ${timeoutMs / 1000} s`);
}
