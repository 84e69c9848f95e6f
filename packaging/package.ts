// `npm run package`: the agent as one executable and the .deb packages (the
// server's carries the agent's, which it offers to hosts), in dist/packages/.
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { buildAgentDeb } from "./deb/agent-deb.js";
import { buildServerDeb } from "./deb/server-deb.js";
import { ROOT } from "./root.js";
import { buildAgentExecutable } from "./sea.js";

export const PACKAGES_DIR = join(ROOT, "dist/packages");

/** The package version: package.json's, so an upgrade is a version bump there. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
}

export async function buildPackages(opts: { version?: string; outDir?: string } = {}): Promise<{ agentExecutable: string; agentDeb: string; serverDeb: string }> {
  const outDir = opts.outDir ?? PACKAGES_DIR;
  mkdirSync(outDir, { recursive: true });
  const exe = await buildAgentExecutable();
  const version = opts.version ?? packageVersion();
  const agentDeb = buildAgentDeb(exe.file, version, outDir);
  const serverDeb = await buildServerDeb(agentDeb.file, version, outDir);
  return { agentExecutable: exe.file, agentDeb: agentDeb.file, serverDeb: serverDeb.file };
}

if (process.argv[1] === import.meta.filename) {
  const built = await buildPackages();
  for (const file of Object.values(built)) process.stdout.write(`${file}\n`);
}
