// The agent as one file: esbuild bundles agent/cli/main.ts and everything it
// imports into dist/ancla-agent.mjs. Modules the CLI imports dynamically are
// only initialised when a command needs them, so `apply --catalog` does not pay
// for gRPC, TLS or fact gathering. `npm run bundle` builds it.
import { build } from "esbuild";
import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { ROOT } from "./root.js";
export const AGENT_BUNDLE = join(ROOT, "dist/ancla-agent.mjs");

/**
 * ESM for `node ancla-agent.mjs`; CommonJS for the single executable, whose
 * main script Node 24 runs as CommonJS.
 */
export async function bundleAgent(outfile = AGENT_BUNDLE, format: "esm" | "cjs" = "esm"): Promise<{ file: string; bytes: number }> {
  const result = await build({
    entryPoints: [join(ROOT, "agent/cli/main.ts")],
    bundle: true,
    write: false,
    outfile,
    platform: "node",
    format,
    target: "node20",
    minify: true,
    keepNames: false,
    legalComments: "none",
    charset: "ascii",
    logLevel: "warning",
    // Some dependencies are CommonJS and call require(); give the ESM bundle one.
    banner: format === "esm" ? { js: "import { createRequire as __anclaRequire } from 'node:module'; const require = __anclaRequire(import.meta.url);" } : {},
  });
  const [output] = result.outputFiles ?? [];
  if (!output) throw new Error("esbuild wrote no output");
  const text = asciiOnly(output.text);
  const partial = `${outfile}.partial`;
  writeFileSync(partial, text, { mode: 0o755 });
  renameSync(partial, outfile);
  return { file: outfile, bytes: Buffer.byteLength(text) };
}

/**
 * esbuild escapes non-ASCII characters in strings but leaves them in regular
 * expression literals (a few in dependencies). One such character makes V8
 * hold the whole 1.6 MiB source as a two-byte string for the life of every
 * run: 3.4 MB of heap instead of 1.7. A \uXXXX escape means the same in a
 * regular expression, and comments are stripped, so escaping them all is safe.
 */
export function asciiOnly(code: string): string {
  return code.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

if (process.argv[1] === import.meta.filename) {
  const { file, bytes } = await bundleAgent();
  process.stdout.write(`${file}: ${(bytes / 1024 / 1024).toFixed(1)} MiB\n`);
}
