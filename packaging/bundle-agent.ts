// The agent bundled: esbuild bundles agent/cli/main.ts and everything it
// imports, split at the CLI's dynamic imports into chunks, so a run loads only
// what its command needs: `apply --catalog` reads about 330 KiB of code, not
// the 1.9 MiB of gRPC, X.509, fact gathering and the site language. Loading
// (parsing) code is most of a short run's memory: one file of everything cost
// a no-change run of 1,000 files about 15 MB of peak RSS. `npm run bundle`
// builds dist/agent-bundle/ancla-agent.mjs (run it with node); the single
// executable carries the same chunks as CommonJS assets (sea.ts).
import { build, transform } from "esbuild";
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";

import { ROOT } from "./root.js";

export const AGENT_BUNDLE_DIR = join(ROOT, "dist/agent-bundle");
/** The entry: `node dist/agent-bundle/ancla-agent.mjs ARGS`. */
export const AGENT_BUNDLE = join(AGENT_BUNDLE_DIR, "ancla-agent.mjs");

export interface BundledAgent {
  /** The entry file (ESM), or for the single executable the entry chunk's name. */
  entry: string;
  /** Every file written, entry included: name → bytes. */
  files: Map<string, number>;
}

/** Split ESM chunks into `outdir` (replaced whole: an interrupted build leaves the old bundle). */
export async function bundleAgent(outdir = AGENT_BUNDLE_DIR): Promise<BundledAgent> {
  // Some dependencies are CommonJS and call require(); give each ESM chunk one.
  const chunks = await splitBundle("import { createRequire as __anclaRequire } from 'node:module'; const require = __anclaRequire(import.meta.url);");
  writeDir(outdir, chunks);
  return { entry: join(outdir, ENTRY), files: sizes(chunks) };
}

/**
 * The same chunks as CommonJS, for the single executable (Node 24 runs its
 * main script as CommonJS and can embed other files only as assets): import
 * and import() between chunks become require() of "./NAME", which the
 * executable's loader (sea-loader.cjs) answers from its assets.
 */
export async function bundleAgentForSea(): Promise<Map<string, string>> {
  const chunks = await splitBundle("");
  const out = new Map<string, string>();
  for (const [name, code] of chunks) {
    const cjs = await transform(code, { loader: "js", format: "cjs", platform: "node", target: "node20", minify: true, charset: "ascii", supported: { "dynamic-import": false }, logLevel: "warning" });
    out.set(name, asciiOnly(cjs.code));
  }
  return out;
}

const ENTRY = "ancla-agent.mjs";

async function splitBundle(banner: string): Promise<Map<string, string>> {
  const result = await build({
    entryPoints: { "ancla-agent": join(ROOT, "agent/cli/main.ts") },
    bundle: true,
    splitting: true,
    write: false,
    outdir: "/ancla-agent-bundle",
    outExtension: { ".js": ".mjs" },
    chunkNames: "[name]-[hash]",
    platform: "node",
    format: "esm",
    target: "node20",
    minify: true,
    keepNames: false,
    legalComments: "none",
    charset: "ascii",
    logLevel: "warning",
    banner: banner ? { js: banner } : {},
  });
  const chunks = new Map<string, string>();
  for (const file of result.outputFiles ?? []) chunks.set(basename(file.path), asciiOnly(file.text));
  if (!chunks.has(ENTRY)) throw new Error(`esbuild wrote no ${ENTRY}`);
  return chunks;
}

function writeDir(outdir: string, chunks: Map<string, string>): void {
  const partial = `${outdir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  for (const [name, code] of chunks) writeFileSync(join(partial, name), code, { mode: name === ENTRY ? 0o755 : 0o644 });
  rmSync(outdir, { recursive: true, force: true });
  renameSync(partial, outdir);
}

function sizes(chunks: Map<string, string>): Map<string, number> {
  return new Map([...chunks].map(([name, code]) => [name, Buffer.byteLength(code)]));
}

/**
 * esbuild escapes non-ASCII characters in strings but leaves them in regular
 * expression literals (a few in dependencies). One such character makes V8
 * hold the whole source as a two-byte string for the life of every run: twice
 * the memory. A \uXXXX escape means the same in a regular expression, and
 * comments are stripped, so escaping them all is safe.
 */
export function asciiOnly(code: string): string {
  return code.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

if (process.argv[1] === import.meta.filename) {
  const { entry, files } = await bundleAgent();
  const total = [...files.values()].reduce((a, b) => a + b, 0);
  process.stdout.write(`${entry}: ${files.size} chunks, ${(total / 1024 / 1024).toFixed(1)} MiB\n`);
}
