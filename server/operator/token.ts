// `ancla token create|list|revoke`: bootstrap tokens, which sign an agent's request at once.
// `ancla api-token create|list|revoke`: operator API tokens with a role (e.g. viewer, for Prometheus).
// All admin only; a revocation is immediate and audited.
import { JSON_FLAG, bool, parseDuration, str, usageError, type ParsedArgs, type Subcommand } from "../../core/cli.js";
import { MAX_TOKEN_TTL_SECONDS, ROLES } from "../ca/token-rules.js";
import { ApiClient } from "./client.js";
import { CONNECTION_FLAGS, resolveConnection } from "./connection.js";
import { print, table, when } from "./output.js";
import type { ApiTokenJson, BootstrapTokenJson, CreatedApiTokenJson, CreatedTokenJson } from "../http/routes/tokens.js";

const listFlags = { ...CONNECTION_FLAGS, ...JSON_FLAG } as const;

export const tokenCommands: Record<string, Subcommand> = {
  "token create": {
    usage: "token create [--ttl 1h] [--certname-glob GLOB] [--reusable] [--json]",
    summary: "create a bootstrap token (one-time unless --reusable)",
    flags: {
      ...CONNECTION_FLAGS,
      ttl: { type: "string", default: "1h", value: "DURATION", help: "how long the token is valid (default 1h, at most 7d)" },
      "certname-glob": { type: "string", value: "GLOB", help: "only certnames matching GLOB may enrol with it (default: any)" },
      reusable: { type: "boolean", help: "it enrols several hosts (default: one)" },
      ...JSON_FLAG,
    },
    async run(args) {
      const ttl = parseDuration(str(args, "ttl") ?? "1h");
      if (ttl > MAX_TOKEN_TTL_SECONDS) throw usageError(`--ttl ${str(args, "ttl")}: a bootstrap token lives at most 7d (${MAX_TOKEN_TTL_SECONDS} seconds)`);
      const body = { ttl_seconds: ttl, certname_glob: str(args, "certname-glob") ?? null, one_time: !bool(args, "reusable") };
      const created = await new ApiClient(resolveConnection(args)).post<CreatedTokenJson>("/tokens", body);
      const scope = created.certname_glob ? `certnames matching ${created.certname_glob}` : "any certname";
      return printSecret(args, created, `token ${created.id}: ${created.one_time ? "one-time" : "reusable"}, ${scope}, expires ${created.expires_at}`);
    },
  },
  "token list": {
    usage: "token list [--json]",
    summary: "list bootstrap tokens, newest first (never their secrets)",
    flags: listFlags,
    async run(args) {
      const { tokens } = await new ApiClient(resolveConnection(args)).get<{ tokens: BootstrapTokenJson[] }>("/tokens");
      print(args, tokens, () =>
        table(
          ["ID", "STATE", "SCOPE", "KIND", "EXPIRES", "CREATED BY"],
          tokens.map((t) => [t.id, bootstrapState(t), t.certname_glob ?? "any certname", t.one_time ? "one-time" : "reusable", when(t.expires_at), t.created_by]),
        ),
      );
      return 0;
    },
  },
  "token revoke": revokeCommand<BootstrapTokenJson>("token", "/tokens", "revoke a bootstrap token at once: it enrols no more agents", (t) => `bootstrap token ${t.id}`),
  "api-token create": {
    usage: "api-token create --role viewer|operator|admin --name NAME [--json]",
    summary: "create an API token with a role (admin only), e.g. a viewer token for Prometheus' /metrics scrape",
    flags: {
      ...CONNECTION_FLAGS,
      role: { type: "string", value: "ROLE", help: "viewer (read), operator (also act on nodes and rollouts) or admin (also certificates and tokens)" },
      name: { type: "string", value: "NAME", help: "who or what holds it, shown in the audit log" },
      ...JSON_FLAG,
    },
    async run(args) {
      const role = str(args, "role");
      const name = str(args, "name");
      if (role === undefined || !(ROLES as readonly string[]).includes(role))
        throw usageError(`${role === undefined ? "--role is required" : `--role ${role} is no role`}: one of ${ROLES.join(", ")}`);
      if (!name) throw usageError("--name is required: who or what the token is for (it names the token in the audit log)");
      const created = await new ApiClient(resolveConnection(args)).post<CreatedApiTokenJson>("/api-tokens", { role, name });
      return printSecret(args, created, `API token ${created.id}: ${created.role} role, "${created.name}"`);
    },
  },
  "api-token list": {
    usage: "api-token list [--json]",
    summary: "list API tokens, newest first, revoked ones included (never their secrets)",
    flags: listFlags,
    async run(args) {
      const { tokens } = await new ApiClient(resolveConnection(args)).get<{ tokens: ApiTokenJson[] }>("/api-tokens");
      print(args, tokens, () =>
        table(
          ["ID", "ROLE", "NAME", "CREATED", "REVOKED"],
          tokens.map((t) => [t.id, t.role, t.name, when(t.created_at), when(t.revoked_at)]),
        ),
      );
      return 0;
    },
  },
  "api-token revoke": revokeCommand<ApiTokenJson>(
    "api-token",
    "/api-tokens",
    "revoke an API token at once: its next request is refused and its dashboard sessions end",
    (t) => `API token ${t.id} ("${t.name}", ${t.role})`,
  ),
};

/** `GROUP revoke ID`: DELETE the token at `route`/ID and say what was revoked when. */
function revokeCommand<T extends { id: string; revoked_at: string | null }>(group: string, route: string, summary: string, name: (t: T) => string): Subcommand {
  return {
    usage: `${group} revoke ID [--json]`,
    summary,
    flags: listFlags,
    positionals: [1, 1],
    async run(args) {
      const t = await new ApiClient(resolveConnection(args)).delete<T>(`${route}/${encodeURIComponent(args.positionals[0])}`);
      print(args, t, () => `${name(t)} revoked at ${when(t.revoked_at)}\n`);
      return 0;
    },
  };
}

/** What a bootstrap token can still do, as the list shows it. */
function bootstrapState(t: BootstrapTokenJson): string {
  if (t.revoked_at) return "revoked";
  if (t.one_time && t.used_at) return "used";
  return Date.parse(t.expires_at) <= Date.now() ? "expired" : "live";
}

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
