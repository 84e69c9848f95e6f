// The ancla-server package. It carries its runtime, the same pinned Node 24 LTS
// the agent executable is built on: Debian bookworm's nodejs is 18 (end of
// life), and a server that runs on whatever Node a host has would need its
// native database driver built for that Node's ABI on the host. So:
// /usr/lib/ancla-server/ holds that runtime, the bundled CLIs (ancla-server,
// and ancla for operators on the server host), better-sqlite3 built for the
// runtime, and the agent .deb hosts install from this server; /usr/bin has
// a wrapper per CLI. Its unit runs as the ancla-server system user and may
// write only /var/lib/ancla-server; the maintainer scripts create the user,
// initialise the data dir on first install and enable the service.
import { spawnSync } from "node:child_process";
import { copyFileSync, cpSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { AnclaError } from "../../core/errors.js";
import { ensureAgentRuntime } from "../agent-runtime.js";
import { bundleServer, SERVER_ENTRIES } from "../bundle-server.js";
import { ROOT } from "../root.js";
import { ensureServerNativeModules } from "../server-native.js";
import { buildDeb, type DebFile, type DebSpec } from "./build-deb.js";
import { APACHE_COPYRIGHT } from "./copyright.js";
import { serverManPages } from "./server-manpages.js";

const FILES = join(ROOT, "packaging/deb/ancla-server");
export const SERVER_LIB = "/usr/lib/ancla-server";
/** Where the package puts the agent .deb; /etc/ancla/server.yaml's agent_package names it. */
export const AGENT_PACKAGE_PATH = `${SERVER_LIB}/packages/ancla-agent_amd64.deb`;

/** /usr/bin/NAME: the bundled CLI on the carried runtime. */
function wrapper(entry: string): string {
  return `#!/bin/sh\n# ${entry} on the Node.js runtime the ancla-server package carries.\nexec ${SERVER_LIB}/node ${SERVER_LIB}/${entry}.mjs "$@"\n`;
}

/** Every file under `dir`, placed under `target` (JavaScript and data 0644, nothing executable but the runtime). */
function tree(dir: string, target: string): DebFile[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => {
      const from = join(e.parentPath, e.name);
      return { path: join(target, relative(dir, from)), from, mode: 0o644 };
    })
    .sort((a, b) => a.path.localeCompare(b.path));
}

/** The package's contents from a staged folder holding lib/ (bundle + node_modules) and node (the runtime). */
export function serverDebSpec(staged: string, agentDeb: string, version: string, manPages: DebFile[]): DebSpec {
  return {
    name: "ancla-server",
    version,
    section: "admin",
    description: "Ancla configuration server",
    details: [
      "Compiles a signed catalog per node from a site directory and serves it to",
      "Ancla agents over mutual-TLS gRPC; keeps their facts and run reports; runs",
      "their certificate authority; offers an HTTPS API, a dashboard and the agent",
      "package with an install script. Includes the operator CLI, ancla.",
      "",
      "Carries its own Node.js LTS runtime: the host needs no Node.js.",
    ],
    files: [
      { path: `${SERVER_LIB}/node`, from: join(staged, "node"), mode: 0o755 },
      ...tree(join(staged, "lib"), SERVER_LIB),
      { path: AGENT_PACKAGE_PATH, from: agentDeb, mode: 0o644 },
      ...Object.keys(SERVER_ENTRIES).map((entry) => ({ path: `/usr/bin/${entry}`, content: wrapper(entry), mode: 0o755 })),
      { path: "/etc/ancla/server.yaml", from: join(FILES, "server.yaml"), mode: 0o644 },
      { path: "/lib/systemd/system/ancla-server.service", from: join(FILES, "ancla-server.service"), mode: 0o644 },
      ...manPages,
    ],
    // The runtime and better-sqlite3 link these dynamically; passwd has useradd, util-linux runuser (essential).
    depends: ["libc6 (>= 2.28)", "libgcc-s1", "libstdc++6", "passwd"],
    conffiles: ["/etc/ancla/server.yaml"],
    scriptsDir: FILES,
    scripts: ["postinst", "prerm", "postrm"],
    copyright: APACHE_COPYRIGHT,
    lintianOverrides: [
      // Node.js's official runtime links zlib statically and is built without PIE.
      `embedded-library zlib [${SERVER_LIB.slice(1)}/node]`,
      `hardening-no-pie [${SERVER_LIB.slice(1)}/node]`,
    ],
  };
}

/** Builds the bundle, the native driver for the runtime and the package; returns the .deb. */
export async function buildServerDeb(agentDeb: string, version: string, outDir: string): Promise<{ file: string; bytes: number }> {
  const staged = join(outDir, `ancla-server_${version}.staged`);
  rmSync(staged, { recursive: true, force: true });
  mkdirSync(staged, { recursive: true });
  try {
    const lib = join(staged, "lib");
    await bundleServer(lib);
    cpSync(ensureServerNativeModules(), join(lib, "node_modules"), { recursive: true });
    const node = join(staged, "node");
    copyFileSync(ensureAgentRuntime(), node);
    // The runtime ships with its symbol table: 14 MiB a server host never needs.
    const strip = spawnSync("strip", ["--strip-unneeded", node], { encoding: "utf8" });
    if (strip.status !== 0) throw new AnclaError("ANCLA_E_IO", `strip ${node} failed: ${strip.stderr.trim() || strip.error?.message}`);
    return buildDeb(serverDebSpec(staged, agentDeb, version, await serverManPages()), outDir);
  } finally {
    rmSync(staged, { recursive: true, force: true });
  }
}
