// The server package's manual pages, ancla-server(8) and ancla(1), rendered
// from the command tables the CLIs run, like ancla-agent(8).
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import type { Subcommand } from "../../core/cli.js";
import { serverCommands } from "../../server/cli/commands.js";
import { LIMIT_SETTINGS, SERVICE_SETTINGS } from "../../server/cli/config.js";
import type { DebFile } from "./build-deb.js";
import { renderManPage } from "./manpage.js";

const OPERATOR_DIR = join(import.meta.dirname, "../../server/operator");

/**
 * The operator CLI's commands: every `…Commands` table its modules export
 * (main.ts, which runs the CLI, only merges them), in command-name order, so
 * a command added there is in the page without a list here to keep in step.
 */
export async function operatorCommands(): Promise<Record<string, Subcommand>> {
  const modules = readdirSync(OPERATOR_DIR).filter((f) => /\.(js|ts)$/.test(f) && !f.endsWith(".d.ts") && !/^main\./.test(f));
  const tables: Record<string, Subcommand> = {};
  for (const file of modules) {
    const exported = (await import(pathToFileURL(join(OPERATOR_DIR, file)).href)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(exported)) if (name.endsWith("Commands")) Object.assign(tables, value);
  }
  return Object.fromEntries(Object.entries(tables).sort(([a], [b]) => a.localeCompare(b)));
}

const gz = (page: string): Buffer => gzipSync(page, { level: 9 });

export async function serverManPages(): Promise<DebFile[]> {
  const server = renderManPage({
    name: "ancla-server",
    section: 8,
    summary: "Ancla configuration server",
    description: [
      "Compiles a signed catalog per node from a site directory and serves it to agents over mutual-TLS gRPC; runs their certificate authority; offers an HTTPS API, a dashboard, and the agent package with an install script (`ancla install-command`).",
      "The ancla-server service runs `ancla-server start --config /etc/ancla/server.yaml` as the ancla-server user; the package initialised /var/lib/ancla-server on first install.",
    ],
    commands: serverCommands,
    files: [
      ["/etc/ancla/server.yaml", `settings (${Object.keys(SERVICE_SETTINGS).join(", ")}) and the limits (${Object.keys(LIMIT_SETTINGS).join(", ")}); flags win over it`],
      ["/var/lib/ancla-server", "data dir: CA, server and catalog-signing keys, database, site, admin.token"],
      ["/usr/lib/ancla-server/packages", "the agent package hosts install from this server"],
    ],
    exitStatus: ["0 done, 1 failed, 64 usage error."],
  });
  const operator = renderManPage({
    name: "ancla",
    section: 1,
    summary: "Ancla operator command line",
    description: [
      "Talks to an Ancla server's HTTPS API: certificates, tokens, nodes, drift and reports, catalogs, the site, artifacts, and the command that installs an agent on a host.",
      "On the server host, as root, it finds the API's URL, the admin token and the CA in /var/lib/ancla-server; elsewhere pass --url, --token and --ca-file (or ANCLA_URL, ANCLA_TOKEN, ANCLA_CA_FILE).",
    ],
    commands: await operatorCommands(),
    files: [["/var/lib/ancla-server/admin.token", "the first admin token, used on the server host"]],
    exitStatus: ["0 done, 1 failed, 64 usage error."],
  });
  return [
    { path: "/usr/share/man/man8/ancla-server.8.gz", content: gz(server), mode: 0o644 },
    { path: "/usr/share/man/man1/ancla.1.gz", content: gz(operator), mode: 0o644 },
  ];
}
