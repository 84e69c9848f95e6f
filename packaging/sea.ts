// The agent as one executable: the bundle's chunks (CommonJS, which is what a
// Node 24 single executable application runs) injected into the pinned LTS
// runtime as assets, with a small main script that loads a chunk when the
// command first needs it, so hosts need no Node.js and a run parses only the
// code it uses. `npm run package` builds it.
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AnclaError } from "../core/errors.js";
import { AGENT_NODE_FLAGS, AGENT_RUNTIME_VERSION, ensureAgentRuntime } from "./agent-runtime.js";
import { bundleAgentForSea } from "./bundle-agent.js";
import { ROOT } from "./root.js";

export const AGENT_EXECUTABLE = join(ROOT, "dist/ancla-agent");

/** The fuse Node's single-executable support looks for (documented constant). */
const SEA_FUSE = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";

export interface BuiltExecutable {
  file: string;
  bytes: number;
  runtime: string;
}

export async function buildAgentExecutable(outfile = AGENT_EXECUTABLE): Promise<BuiltExecutable> {
  const node = ensureAgentRuntime();
  const work = `${outfile}.build`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    const assets: Record<string, string> = {};
    mkdirSync(join(work, "chunks"));
    for (const [name, code] of await bundleAgentForSea()) {
      assets[name] = join(work, "chunks", name);
      writeFileSync(assets[name], code);
    }
    const main = join(work, "main.cjs");
    writeFileSync(main, `(${seaMain.toString()})(${JSON.stringify("./ancla-agent.mjs")});\n`);
    const blob = join(work, "sea.blob");
    const config = join(work, "sea-config.json");
    writeFileSync(config, JSON.stringify({ main, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true, execArgv: AGENT_NODE_FLAGS, assets }));
    // With the agent's V8 flags: a code cache made under other flags is rejected at start, with a warning on every run.
    const prep = spawnSync(node, [...AGENT_NODE_FLAGS, "--experimental-sea-config", config], { encoding: "utf8" });
    if (prep.status !== 0) throw new AnclaError("ANCLA_E_IO", `preparing the executable's blob failed: ${prep.stderr.trim()}`);
    const exe = join(work, "ancla-agent");
    copyFileSync(node, exe);
    chmodSync(exe, 0o755);
    // The runtime ships with its symbol table: 14 MiB that a host never needs (stripped before the blob goes in).
    const strip = spawnSync("strip", ["--strip-unneeded", exe], { encoding: "utf8" });
    if (strip.status !== 0) throw new AnclaError("ANCLA_E_IO", `strip ${exe} failed: ${strip.stderr.trim() || strip.error?.message}`);
    const { inject } = await import("postject");
    await inject(exe, "NODE_SEA_BLOB", readFileSync(blob), { sentinelFuse: SEA_FUSE });
    renameSync(exe, outfile);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return { file: outfile, bytes: statSync(outfile).size, runtime: AGENT_RUNTIME_VERSION };
}

/**
 * The executable's main script: a chunk is a CommonJS module kept as an asset,
 * compiled when first required by its "./NAME"; anything else is a built-in,
 * from the main script's own require. Self-contained, because its source text
 * is what the executable runs.
 */
function seaMain(entry: string): void {
  const { getAsset } = require("node:sea") as typeof import("node:sea");
  const { compileFunction } = require("node:vm") as typeof import("node:vm");
  const loaded = new Map<string, { exports: unknown }>();
  const load = (id: string): unknown => {
    if (!id.startsWith("./")) return require(id);
    const known = loaded.get(id);
    if (known) return known.exports;
    const module = { exports: {} };
    // Registered before it runs: chunks that import each other get the exports filled so far, as Node's require does.
    loaded.set(id, module);
    compileFunction(getAsset(id.slice(2), "utf8"), ["exports", "require", "module"], { filename: id.slice(2) })(module.exports, load, module);
    return module.exports;
  };
  load(entry);
}

if (process.argv[1] === import.meta.filename) {
  const { file, bytes, runtime } = await buildAgentExecutable();
  process.stdout.write(`${file}: ${(bytes / 1024 / 1024).toFixed(1)} MiB (Node ${runtime})\n`);
}
