// `npm run package`: the agent as one executable and the .deb packages, in dist/packages/.
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { buildAgentDeb } from "./deb/agent-deb.js";
import { ROOT } from "./root.js";
import { buildAgentExecutable } from "./sea.js";

export const PACKAGES_DIR = join(ROOT, "dist/packages");

/** The package version: package.json's, so an upgrade is a version bump there. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
}

export async function buildPackages(opts: { version?: string; outDir?: string } = {}): Promise<{ agentExecutable: string; agentDeb: string }> {
  const outDir = opts.outDir ?? PACKAGES_DIR;
  mkdirSync(outDir, { recursive: true });
  const exe = await buildAgentExecutable();
  const deb = buildAgentDeb(exe.file, opts.version ?? packageVersion(), outDir);
  return { agentExecutable: exe.file, agentDeb: deb.file };
}

if (process.argv[1] === import.meta.filename) {
  const built = await buildPackages();
  for (const file of Object.values(built)) process.stdout.write(`${file}\n`);
}
