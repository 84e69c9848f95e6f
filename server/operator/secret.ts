// `ancla secret set|rotate|list|delete` and `ancla kms rotate`. A value is read
// from stdin (or --from-file), never from a flag or an environment variable:
// those stay in shell history, `ps` and /proc. It goes to the server once, over
// the API's TLS, and is never printed back.
import { readFile } from "node:fs/promises";
import { JSON_FLAG, str, usageError, type ParsedArgs, type Subcommand } from "../../core/cli.js";
import { AnclaError } from "../../core/errors.js";
import type { KekRotationJson, SecretJson } from "../http/routes/secrets.js";
import { ApiClient } from "./client.js";
import { CONNECTION_FLAGS, resolveConnection } from "./connection.js";
import { print, table, when } from "./output.js";

const VALUE_FLAGS = {
  "from-file": { type: "string", value: "FILE", help: "read the value from FILE, byte for byte (default: stdin, one trailing newline dropped)" },
  value: { type: "string", value: "VALUE", help: "refused: a value on the command line stays in shell history and ps; pipe it on stdin or use --from-file" },
} as const;

/** The value from --from-file, or stdin (one trailing newline dropped: `echo pw | ancla secret set` means "pw"). */
async function readValue(args: ParsedArgs): Promise<Buffer> {
  if (str(args, "value") !== undefined)
    throw usageError("--value is refused: a value on the command line stays in shell history and ps; pipe it on stdin (ancla secret set NAME < file) or use --from-file FILE");
  const file = str(args, "from-file");
  if (file !== undefined) {
    try {
      return await readFile(file);
    } catch (err) {
      throw new AnclaError("ANCLA_E_IO", `--from-file ${file}: ${(err as Error).message}`);
    }
  }
  if (process.stdin.isTTY) process.stderr.write("type the value, then Enter and Ctrl-D (the terminal shows what you type: pipe it in or use --from-file to keep it off the screen)\n");
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const value = Buffer.concat(chunks);
  const end = value.at(-1) === 0x0a ? (value.at(-2) === 0x0d ? 2 : 1) : 0;
  return value.subarray(0, value.length - end);
}

/** The value, refused here when empty: a forgotten pipe must not reach the server as a 400 about base64. */
async function nonEmptyValue(args: ParsedArgs): Promise<Buffer> {
  const value = await readValue(args);
  if (value.length === 0) throw new AnclaError("ANCLA_E_INVALID_ARGUMENT", `the value of secret "${args.positionals[0]}" is empty; nothing was stored`);
  return value;
}

function secretLine(s: SecretJson): string {
  const scope = [s.environment ? `environment ${s.environment}` : "", s.nodes ? `nodes ${s.nodes}` : ""].filter(Boolean).join(", ") || "every node";
  return `secret ${s.name} version ${s.version} (${scope}), set by ${s.updated_by} at ${when(s.updated_at)}\n`;
}

const nameOf = (args: ParsedArgs): string => encodeURIComponent(args.positionals[0]);

export const secretCommands: Record<string, Subcommand> = {
  "secret set": {
    usage: "secret set NAME [--env ENV] [--nodes GLOB] [--description TEXT] [--from-file FILE] [--json] < value",
    summary: "store a secret, sealed (admin): a new secret, or a new version of NAME with this value and scope",
    flags: {
      ...CONNECTION_FLAGS,
      env: { type: "string", value: "ENV", help: "only nodes of this environment may use it (default: any)" },
      nodes: { type: "string", value: "GLOB", help: "only nodes whose certname matches GLOB may use it (default: any)" },
      description: { type: "string", value: "TEXT", help: "what it is, shown by secret list" },
      ...VALUE_FLAGS,
      ...JSON_FLAG,
    },
    positionals: [1, 1],
    async run(args) {
      const value = await nonEmptyValue(args);
      const body = { value_base64: value.toString("base64"), environment: str(args, "env"), nodes: str(args, "nodes"), description: str(args, "description") };
      value.fill(0);
      const s = await new ApiClient(resolveConnection(args)).put<SecretJson>(`/secrets/${nameOf(args)}`, body);
      print(args, s, () => secretLine(s));
      return 0;
    },
  },
  "secret rotate": {
    usage: "secret rotate NAME [--from-file FILE] [--json] < value",
    summary: "give a secret a new version with a new value, its scope unchanged (admin)",
    flags: { ...CONNECTION_FLAGS, ...VALUE_FLAGS, ...JSON_FLAG },
    positionals: [1, 1],
    async run(args) {
      const value = await nonEmptyValue(args);
      const body = { value_base64: value.toString("base64") };
      value.fill(0);
      const s = await new ApiClient(resolveConnection(args)).post<SecretJson>(`/secrets/${nameOf(args)}/rotate`, body);
      print(args, s, () => secretLine(s));
      return 0;
    },
  },
  "secret list": {
    usage: "secret list [--json]",
    summary: "list secrets: names, scopes, versions, who set them and when (operator); never a value",
    flags: { ...CONNECTION_FLAGS, ...JSON_FLAG },
    async run(args) {
      const { secrets } = await new ApiClient(resolveConnection(args)).get<{ secrets: SecretJson[] }>("/secrets");
      print(args, secrets, () =>
        table(
          ["NAME", "VERSION", "ENVIRONMENT", "NODES", "SET BY", "SET AT", "DESCRIPTION"],
          secrets.map((s) => [s.name, s.version, s.environment, s.nodes, s.updated_by, when(s.updated_at), s.description]),
        ),
      );
      return 0;
    },
  },
  "secret delete": {
    usage: "secret delete NAME [--json]",
    summary: "delete a secret and every version of it (admin)",
    flags: { ...CONNECTION_FLAGS, ...JSON_FLAG },
    positionals: [1, 1],
    async run(args) {
      const r = await new ApiClient(resolveConnection(args)).delete<{ name: string; deleted: boolean }>(`/secrets/${nameOf(args)}`);
      print(args, r, () => `secret ${r.name} deleted\n`);
      return 0;
    },
  },
  "kms rotate": {
    usage: "kms rotate [--json]",
    summary: "make a new key-encryption key, re-wrap every secret's data key under it, and destroy the old keys nothing needs (admin)",
    flags: { ...CONNECTION_FLAGS, ...JSON_FLAG },
    async run(args) {
      const r = await new ApiClient(resolveConnection(args)).post<KekRotationJson>("/kms/rotate");
      print(
        args,
        r,
        () => `key-encryption key version ${r.kek_version}: ${r.rewrapped} data key(s) re-wrapped, ${r.retired.length ? `version(s) ${r.retired.join(", ")} destroyed` : "no old version destroyed"}\n`,
      );
      return 0;
    },
  },
};
