// `ancla token create`: a bootstrap token that signs an agent's request at once.
// `ancla api-token create`: an operator API token with a role (e.g. viewer, for Prometheus).
import { bool, parseDuration, str, usageError, type ParsedArgs, type Subcommand } from "../../proto/cli.js";
import { ROLES } from "../ca/service.js";
import { ApiClient } from "./client.js";
import { CONNECTION_FLAGS, resolveConnection } from "./connection.js";

interface CreatedToken {
  token: string;
  id: string;
  expires_at: string;
  certname_glob: string | null;
  one_time: boolean;
}

export const tokenCommands: Record<string, Subcommand> = {
  "token create": {
    usage: "token create [--ttl 1h] [--certname-glob GLOB] [--reusable] [--json]",
    summary: "create a bootstrap token (one-time unless --reusable)",
    flags: {
      ...CONNECTION_FLAGS,
      ttl: { type: "string", default: "1h" },
      "certname-glob": { type: "string" },
      reusable: { type: "boolean" },
      json: { type: "boolean" },
    },
    async run(args) {
      const body = { ttl_seconds: parseDuration(str(args, "ttl") ?? "1h"), certname_glob: str(args, "certname-glob") ?? null, one_time: !bool(args, "reusable") };
      const created = await new ApiClient(resolveConnection(args)).post<CreatedToken>("/tokens", body);
      const scope = created.certname_glob ? `certnames matching ${created.certname_glob}` : "any certname";
      return printSecret(args, created, `token ${created.id}: ${created.one_time ? "one-time" : "reusable"}, ${scope}, expires ${created.expires_at}`);
    },
  },
  "api-token create": {
    usage: "api-token create --role viewer|operator|admin --name NAME [--json]",
    summary: "create an API token with a role (admin only), e.g. a viewer token for Prometheus' /metrics scrape",
    flags: { ...CONNECTION_FLAGS, role: { type: "string" }, name: { type: "string" }, json: { type: "boolean" } },
    async run(args) {
      const role = str(args, "role");
      const name = str(args, "name");
      if (role === undefined || !(ROLES as readonly string[]).includes(role)) throw usageError(`--role is required: one of ${ROLES.join(", ")}`);
      if (!name) throw usageError("--name is required: who or what the token is for (it names the token in the audit log)");
      const created = await new ApiClient(resolveConnection(args)).post<{ token: string; id: string; role: string; name: string }>("/api-tokens", { role, name });
      return printSecret(args, created, `API token ${created.id}: ${created.role} role, "${created.name}"`);
    },
  },
};

/** --json: the whole answer. Otherwise only the secret on stdout, so `TOKEN=$(ancla … create)` works; `about` goes to stderr for the reader. */
function printSecret(args: ParsedArgs, created: { token: string }, about: string): number {
  if (bool(args, "json")) {
    process.stdout.write(JSON.stringify(created, null, 2) + "\n");
  } else {
    process.stdout.write(created.token + "\n");
    process.stderr.write(about + "\n");
  }
  return 0;
}
