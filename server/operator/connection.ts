// Where the operator CLI finds the API: flags, then environment, then (on the
// server host) the data dir, like `puppetserver ca`. Each of URL, token and CA
// is resolved on its own, so `--token` can override just the token.
import { readFileSync } from "node:fs";
import type { FlagSpec, ParsedArgs } from "../../core/cli.js";
import { str, usageError } from "../../core/cli.js";
import { AnclaError } from "../../core/errors.js";
import { dataDirPaths, DEFAULT_DATA_DIR } from "../datadir.js";

export interface Connection {
  url: string;
  token: string;
  caPem: string;
  /** Where the CA came from, for error messages. */
  caSource: string;
}

export const CONNECTION_FLAGS = {
  url: { type: "string", value: "URL", help: "the server's API (or ANCLA_URL; on the server host: from --data-dir)" },
  token: { type: "string", value: "TOKEN", help: "an API token (or ANCLA_TOKEN; on the server host: the admin token in --data-dir)" },
  "ca-file": { type: "string", value: "FILE", help: "the server's CA certificate (or ANCLA_CA_FILE)" },
  "data-dir": { type: "string", value: "DIR", help: "the server's data dir, for all three on the server host (default /var/lib/ancla-server)" },
} as const satisfies FlagSpec;

export function resolveConnection(args: ParsedArgs, env: NodeJS.ProcessEnv = process.env): Connection {
  const paths = dataDirPaths(str(args, "data-dir") ?? DEFAULT_DATA_DIR);
  // An empty variable counts as unset, as shells make it easy to export one by accident.
  const fromEnv = (name: string): string | undefined => env[name] || undefined;
  // Checked first: a bad --url is the mistake to report, not whatever else is missing.
  const url = checkUrl(str(args, "url") ?? fromEnv("ANCLA_URL") ?? runtimeUrl(paths.runtime));
  const token = str(args, "token") ?? fromEnv("ANCLA_TOKEN") ?? readSetting(paths.adminToken, "an API token", "--token or ANCLA_TOKEN").trim();
  const caSource = str(args, "ca-file") ?? fromEnv("ANCLA_CA_FILE") ?? paths.caCert;
  const caPem = readSetting(caSource, "the CA certificate", "--ca-file or ANCLA_CA_FILE");
  return { url, token, caPem, caSource };
}

function runtimeUrl(file: string): string {
  const text = readSetting(file, "the API URL (is ancla-server running?)", "--url or ANCLA_URL");
  let url: unknown;
  try {
    url = (JSON.parse(text) as { url?: unknown }).url;
  } catch (err) {
    throw new AnclaError("ANCLA_E_CONFIG", `${file} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (typeof url !== "string") throw new AnclaError("ANCLA_E_CONFIG", `${file} has no "url"`);
  return url;
}

function readSetting(file: string, what: string, alternatives: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new AnclaError("ANCLA_E_CONFIG", `cannot read ${what} from ${file} (${reason}); pass ${alternatives}, or --data-dir on the server host`, { cause: err });
  }
}

function checkUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usageError(`invalid API URL "${url}"; expected https://HOST:PORT`);
  }
  if (parsed.protocol !== "https:") throw usageError(`the API URL must be https://, got "${url}"`);
  return parsed.origin;
}
