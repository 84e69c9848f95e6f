// `ancla-server start --config FILE`: the settings an installed server runs
// with (/etc/ancla/server.yaml in the package), as YAML with snake_case keys.
// Precedence: flags, then this file, then the data dir's server.json.
// An unknown key or a wrong type is an error naming the file and the key:
// a typo must not silently mean "the default".
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { AnclaError } from "../../proto/errors.js";

export interface ServerConfigFile {
  dataDir?: string;
  grpc?: string;
  http?: string;
  reportRetentionDays?: number;
  unresponsiveAfterMinutes?: number;
  /** The agent .deb the server offers hosts (GET /install/ancla-agent.deb). */
  agentPackage?: string;
}

const KEYS: Record<string, { field: keyof ServerConfigFile; type: "string" | "count" }> = {
  data_dir: { field: "dataDir", type: "string" },
  grpc: { field: "grpc", type: "string" },
  http: { field: "http", type: "string" },
  report_retention_days: { field: "reportRetentionDays", type: "count" },
  unresponsive_after_minutes: { field: "unresponsiveAfterMinutes", type: "count" },
  agent_package: { field: "agentPackage", type: "string" },
};

export function readServerConfig(file: string): ServerConfigFile {
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new AnclaError("ANCLA_E_CONFIG", `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
  // A file of comments only (the packaged default before it is edited) is an empty config.
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== "object" || Array.isArray(doc)) throw new AnclaError("ANCLA_E_CONFIG", `${file}: expected a mapping of settings (key: value)`);
  const config: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(doc)) {
    const spec = KEYS[key];
    if (!spec) throw new AnclaError("ANCLA_E_CONFIG", `${file}: unknown setting "${key}" (known: ${Object.keys(KEYS).join(", ")})`);
    if (value === null) continue;
    const ok = spec.type === "string" ? typeof value === "string" && value !== "" : Number.isInteger(value) && (value as number) >= 0;
    if (!ok) throw new AnclaError("ANCLA_E_CONFIG", `${file}: ${key} must be ${spec.type === "string" ? "a non-empty string" : "a whole number"}, got ${JSON.stringify(value)}`);
    config[spec.field] = value as string | number;
  }
  return config as ServerConfigFile;
}
