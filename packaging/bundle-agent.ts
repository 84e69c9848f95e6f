// The agent as one file: esbuild bundles agent/cli/main.ts and everything it
// imports into dist/ancla-agent.mjs. Modules the CLI imports dynamically are
// only initialised when a command needs them, so `apply --catalog` does not pay
// for gRPC and TLS start-up. `npm run bundle` builds it.
import { build } from "esbuild";
import { statSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "../..");
export const AGENT_BUNDLE = join(ROOT, "dist/ancla-agent.mjs");

export async function bundleAgent(): Promise<{ file: string; bytes: number }> {
  await build({
    entryPoints: [join(ROOT, "agent/cli/main.ts")],
    outfile: AGENT_BUNDLE,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    minify: true,
    keepNames: false,
    legalComments: "none",
    logLevel: "warning",
    // Some dependencies are CommonJS and call require(); give the ESM bundle one.
    banner: { js: "import { createRequire as __anclaRequire } from 'node:module'; const require = __anclaRequire(import.meta.url);" },
  });
  return { file: AGENT_BUNDLE, bytes: statSync(AGENT_BUNDLE).size };
}

if (process.argv[1] === import.meta.filename) {
  const { file, bytes } = await bundleAgent();
  process.stdout.write(`${file}: ${(bytes / 1024 / 1024).toFixed(1)} MiB\n`);
}
