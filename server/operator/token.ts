// `ancla token create`: a bootstrap token that signs an agent's request at once.
import { bool, parseDuration, str, type Subcommand } from "../../proto/cli.js";
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
      if (bool(args, "json")) {
        process.stdout.write(JSON.stringify(created, null, 2) + "\n");
        return 0;
      }
      // Only the secret on stdout, so `TOKEN=$(ancla token create)` works; the rest is for the reader.
      process.stdout.write(created.token + "\n");
      const scope = created.certname_glob ? `certnames matching ${created.certname_glob}` : "any certname";
      process.stderr.write(`token ${created.id}: ${created.one_time ? "one-time" : "reusable"}, ${scope}, expires ${created.expires_at}\n`);
      return 0;
    },
  },
};
