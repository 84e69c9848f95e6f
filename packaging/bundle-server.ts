// The server side as the server package runs it: esbuild bundles the two CLIs
// (ancla-server and the operator's ancla) into ESM with their shared code split
// into one chunk, so the package carries no source tree and no node_modules
// but the native database driver, which cannot be bundled (a .node file) and
// ships as a folder built for the package's runtime (server-native.ts).
import { build } from "esbuild";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./root.js";
import { NATIVE_PACKAGES } from "./server-native.js";

/** The bundle's entry files, as /usr/bin's wrappers name them. */
export const SERVER_ENTRIES = { "ancla-server": "server/cli/main.ts", ancla: "server/operator/main.ts" } as const;

/** Bundles into `outDir` (replaced whole): ancla-server.mjs, ancla.mjs and their shared chunk. */
export async function bundleServer(outDir: string): Promise<{ dir: string; bytes: number }> {
  const partial = `${outDir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  await build({
    entryPoints: Object.fromEntries(Object.entries(SERVER_ENTRIES).map(([name, file]) => [name, join(ROOT, file)])),
    bundle: true,
    splitting: true,
    outdir: partial,
    outExtension: { ".js": ".mjs" },
    chunkNames: "chunks/[name]-[hash]",
    platform: "node",
    format: "esm",
    target: "node24",
    minify: true,
    legalComments: "none",
    logLevel: "warning",
    external: [...NATIVE_PACKAGES],
    // Some dependencies are CommonJS and call require(); give the ESM bundle one (it also finds the shipped better-sqlite3).
    banner: { js: "import { createRequire as __anclaRequire } from 'node:module'; const require = __anclaRequire(import.meta.url);" },
  });
  // The entries are run by /usr/bin's wrappers, never directly: without their `#!/usr/bin/env node` line.
  for (const entry of Object.keys(SERVER_ENTRIES)) {
    const file = join(partial, `${entry}.mjs`);
    writeFileSync(file, readFileSync(file, "utf8").replace(/^#!.*\n/, ""), { mode: 0o644 });
  }
  rmSync(outDir, { recursive: true, force: true });
  renameSync(partial, outDir);
  return { dir: outDir, bytes: sizeOf(outDir) };
}

function sizeOf(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .reduce((sum, e) => sum + statSync(join(e.parentPath, e.name)).size, 0);
}
