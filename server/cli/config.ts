// `ancla-server start --config FILE`: the settings an installed server runs
// with (/etc/ancla/server.yaml in the package), as YAML with snake_case keys.
// Precedence: flags, then this file, then the data dir's server.json.
// The file is read by the one config loader (core/config.ts): an unknown key
// or a wrong value is an error naming the file, the position and the key.
import { loadConfig, type ConfigSchema } from "../../core/config.js";
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

/** What the service runs with; no defaults here: an absent setting falls through to server.json or the server's own. */
export const SERVICE_SETTINGS = {
  data_dir: { field: "dataDir", type: "string", description: "the data dir: CA, keys, database, site" },
  grpc: { field: "grpc", type: "string", description: "HOST:PORT agents connect to (mutual-TLS gRPC)" },
  http: { field: "http", type: "string", description: "HOST:PORT of the HTTPS API, the dashboard and the agent installer" },
  report_retention_days: { field: "reportRetentionDays", type: "integer", min: 0, description: "days a run report is kept (each node's latest is kept regardless); 0 keeps all" },
  unresponsive_after_minutes: { field: "unresponsiveAfterMinutes", type: "integer", min: 1, description: "minutes of silence after which a node is unresponsive" },
  agent_package: { field: "agentPackage", type: "string", description: "the agent .deb hosts install from (/install.sh)" },
  public_address: { field: "publicAddress", type: "string", description: "HOST:PORT hosts reach the API at, for /install.sh" },
} as const satisfies ConfigSchema;

/** The README's "Limits"; the defaults are the server's (DEFAULT_LIMITS in start.ts), each limit a whole number from 1. */
export const LIMIT_SETTINGS = {
  max_facts: { field: "maxFacts", type: "integer", min: 1, description: "keys and array items of a node's facts, at every depth" },
  max_facts_bytes: { field: "maxFactsBytes", type: "integer", min: 1, description: "bytes of keys and string values in a node's facts" },
  max_facts_depth: { field: "maxFactsDepth", type: "integer", min: 1, description: "levels of nesting in a node's facts" },
  max_report_events: { field: "maxReportEvents", type: "integer", min: 1, description: "events (and per-resource timings) in a report" },
  max_report_log_lines: { field: "maxReportLogLines", type: "integer", min: 1, description: "log lines in a report" },
  max_message_bytes: { field: "maxMessageBytes", type: "integer", min: 1, description: "bytes of one gRPC request" },
  max_artifact_bytes: { field: "maxArtifactBytes", type: "integer", min: 1, description: "bytes of one artifact push" },
  max_connections_per_address: { field: "maxConnectionsPerAddress", type: "integer", min: 1, description: "open connections from one address, on each port" },
  idle_timeout_seconds: { field: "idleTimeoutMs", type: "integer", min: 1, scale: 1000, description: "seconds a connection with no request in flight stays open" },
  compile_workers: { field: "compileWorkers", type: "integer", min: 1, description: "compiles at once, each on its own thread" },
  compile_timeout_seconds: { field: "compileTimeoutMs", type: "integer", min: 1, scale: 1000, description: "seconds one node's compile may take" },
  compile_memory_mb: { field: "compileMemoryMb", type: "integer", min: 1, description: "MB of heap one compile may use" },
} as const satisfies Record<string, ConfigSchema[string] & { field: keyof ServerLimits }>;

export const SERVER_YAML = { ...SERVICE_SETTINGS, ...LIMIT_SETTINGS } as const satisfies ConfigSchema;

export function readServerConfig(file: string): ServerConfigFile {
  const { dataDir, grpc, http, reportRetentionDays, unresponsiveAfterMinutes, agentPackage, publicAddress, ...limits } = loadConfig(file, SERVER_YAML);
  const service: ServerConfigFile = { dataDir, grpc, http, reportRetentionDays, unresponsiveAfterMinutes, agentPackage, publicAddress };
  // Only the keys the file sets, so a spread of this object never overwrites another source's value with undefined.
  const set = Object.fromEntries(Object.entries(service).filter(([, v]) => v !== undefined)) as ServerConfigFile;
  return Object.keys(limits).length > 0 ? { ...set, limits } : set;
}
