// `ancla-server start --config FILE`: the settings an installed server runs
// with (/etc/ancla/server.yaml in the package), as YAML with snake_case keys.
// Precedence: flags, then this file, then the data dir's server.json.
// An unknown key or a wrong type is an error naming the file and the key:
// a typo must not silently mean "the default".
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { AnclaError } from "../../proto/errors.js";
import type { ServerLimits } from "./start.js";

export interface ServerConfigFile {
  dataDir?: string;
  grpc?: string;
  http?: string;
  reportRetentionDays?: number;
  unresponsiveAfterMinutes?: number;
  /** The agent .deb the server offers hosts (GET /install/ancla-agent.deb). */
  agentPackage?: string;
  /** HOST:PORT hosts reach the API at, baked into /install.sh (default: the certificate's name and the API port). */
  publicAddress?: string;
  /** The README's "Limits", each under its snake_case name (idle_timeout_seconds in seconds). */
  limits?: Partial<ServerLimits>;
}

/** Setting name → ServerLimits field, and what one unit of the setting is in the field's unit. */
const LIMIT_KEYS: Record<string, { field: keyof ServerLimits; scale: number }> = {
  max_facts: { field: "maxFacts", scale: 1 },
  max_facts_bytes: { field: "maxFactsBytes", scale: 1 },
  max_facts_depth: { field: "maxFactsDepth", scale: 1 },
  max_report_events: { field: "maxReportEvents", scale: 1 },
  max_report_log_lines: { field: "maxReportLogLines", scale: 1 },
  max_message_bytes: { field: "maxMessageBytes", scale: 1 },
  max_artifact_bytes: { field: "maxArtifactBytes", scale: 1 },
  max_connections_per_address: { field: "maxConnectionsPerAddress", scale: 1 },
  idle_timeout_seconds: { field: "idleTimeoutMs", scale: 1000 },
  compile_workers: { field: "compileWorkers", scale: 1 },
  compile_timeout_seconds: { field: "compileTimeoutMs", scale: 1000 },
  compile_memory_mb: { field: "compileMemoryMb", scale: 1 },
};

const KEYS: Record<string, { field: keyof ServerConfigFile; type: "string" | "count" }> = {
  data_dir: { field: "dataDir", type: "string" },
  grpc: { field: "grpc", type: "string" },
  http: { field: "http", type: "string" },
  report_retention_days: { field: "reportRetentionDays", type: "count" },
  unresponsive_after_minutes: { field: "unresponsiveAfterMinutes", type: "count" },
  agent_package: { field: "agentPackage", type: "string" },
  public_address: { field: "publicAddress", type: "string" },
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
  const limits: Partial<ServerLimits> = {};
  for (const [key, value] of Object.entries(doc)) {
    const spec = KEYS[key] ?? (LIMIT_KEYS[key] && { field: "limits", type: "count" });
    if (!spec) throw new AnclaError("ANCLA_E_CONFIG", `${file}: unknown setting "${key}" (known: ${[...Object.keys(KEYS), ...Object.keys(LIMIT_KEYS)].join(", ")})`);
    if (value === null) continue;
    const ok = spec.type === "string" ? typeof value === "string" && value !== "" : Number.isInteger(value) && (value as number) >= 0;
    if (!ok) throw new AnclaError("ANCLA_E_CONFIG", `${file}: ${key} must be ${spec.type === "string" ? "a non-empty string" : "a whole number"}, got ${JSON.stringify(value)}`);
    const limit = LIMIT_KEYS[key];
    if (limit) limits[limit.field] = (value as number) * limit.scale;
    else config[spec.field] = value as string | number;
  }
  return { ...(config as ServerConfigFile), ...(Object.keys(limits).length > 0 ? { limits } : {}) };
}
