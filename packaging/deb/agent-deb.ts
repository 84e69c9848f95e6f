// The ancla-agent package: the single executable (no Node.js needed on the
// host), its systemd unit, a commented /etc/ancla/agent.yaml (a conffile),
// and maintainer scripts that enable it once enrolled, stop it on remove and
// delete its state only on purge.
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { commands } from "../../agent/cli/commands.js";
import { AGENT_YAML } from "../../agent/settings.js";
import { ROOT } from "../root.js";
import { buildDeb, type DebSpec } from "./build-deb.js";
import { APACHE_COPYRIGHT } from "./copyright.js";
import { renderManPage } from "./manpage.js";

const FILES = join(ROOT, "packaging/deb/ancla-agent");

export function agentDebSpec(executable: string, version: string): DebSpec {
  return {
    name: "ancla-agent",
    version,
    section: "admin",
    description: "Ancla configuration agent",
    details: [
      "Pulls a signed catalog for this host from an Ancla server over mutual TLS,",
      "converges the host idempotently (files, packages, services, users, groups,",
      "commands, image-swap updates) and reports facts and drift.",
      "",
      "A self-contained executable: the host needs no Node.js.",
    ],
    files: [
      { path: "/usr/bin/ancla-agent", from: executable, mode: 0o755 },
      { path: "/etc/ancla/agent.yaml", from: join(FILES, "agent.yaml"), mode: 0o644 },
      { path: "/lib/systemd/system/ancla-agent.service", from: join(FILES, "ancla-agent.service"), mode: 0o644 },
      { path: "/usr/share/man/man8/ancla-agent.8.gz", content: gzipSync(manPage(), { level: 9 }), mode: 0o644 },
    ],
    // The runtime inside the executable links these dynamically (and nothing else: no nodejs).
    depends: ["libc6 (>= 2.28)", "libgcc-s1", "libstdc++6"],
    conffiles: ["/etc/ancla/agent.yaml"],
    scriptsDir: FILES,
    scripts: ["postinst", "prerm", "postrm"],
    copyright: APACHE_COPYRIGHT,
    lintianOverrides: [
      // Node.js's official runtime links zlib statically and is built without PIE; the executable is that runtime.
      "embedded-library zlib [usr/bin/ancla-agent]",
      "hardening-no-pie [usr/bin/ancla-agent]",
      // The package provider reads /var/lib/dpkg/status so it never spawns dpkg-query per package.
      "uses-dpkg-database-directly [usr/bin/ancla-agent]",
    ],
  };
}

function manPage(): string {
  return renderManPage({
    name: "ancla-agent",
    section: 8,
    summary: "Ancla configuration agent",
    description: [
      "Pulls this host's signed catalog from an Ancla server over mutual TLS, converges the host and reports facts and drift. The ancla-agent service runs `ancla-agent run` as a daemon once the host is enrolled with `ancla-agent bootstrap`.",
      "Without a server, `ancla-agent apply` converges from a site directory or a catalog file (masterless).",
    ],
    commands,
    files: [
      ["/etc/ancla/agent.yaml", `settings (${Object.keys(AGENT_YAML).join(", ")}); flags win over it`],
      ["/etc/ancla/facts.d", "external facts: executables printing JSON or YAML, and .json/.yaml files"],
      ["/var/lib/ancla", "state: enrollment, key and certificate, cached catalog, report queue, content bucket"],
    ],
    exitStatus: ["run and apply: 0 nothing changed, 2 changes made, 4 failures, 6 both. Other commands: 0 done, 1 failed, 64 usage error."],
  });
}

export function buildAgentDeb(executable: string, version: string, outDir: string): { file: string; bytes: number } {
  return buildDeb(agentDebSpec(executable, version), outDir);
}
