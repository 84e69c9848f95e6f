// server.json: what `ancla-server init` decided for a data dir (its path is
// dataDirPaths().settings), read by the one config loader. Apart from
// datadir.ts so that what only needs the paths (the operator CLI) does not
// load the YAML parser.
import { loadConfig, type ConfigSchema } from "../core/config.js";

export interface ServerSettings {
  /** Absolute path of the site directory catalogs are compiled from. */
  site: string;
  /** Name agents dial; the server certificate carries it (and localhost). */
  hostname: string;
  /** host:port for agents (mTLS gRPC). */
  grpc: string;
  /** host:port for the HTTPS API and dashboard. */
  http: string;
  /** Seconds a signed catalog stays valid. */
  catalogTtlSeconds: number;
  /** Days an agent certificate is valid. */
  agentCertDays: number;
  /** Days a run report is kept; init leaves it out, so the server's default applies. */
  reportRetentionDays?: number;
  /** Minutes of silence after which a node is unresponsive; init leaves it out, so the server's default applies. */
  unresponsiveAfterMinutes?: number;
}

/**
 * server.json, as `init` writes it (camelCase keys, JSON). Everything init
 * writes is required: a data dir without it was not made by init, and a
 * server started from it would fail later and less clearly.
 */
export const SERVER_JSON = {
  site: { field: "site", type: "string", required: true, description: "absolute path of the site directory catalogs are compiled from" },
  hostname: { field: "hostname", type: "string", required: true, description: "the name agents dial; the server certificate carries it" },
  grpc: { field: "grpc", type: "string", required: true, description: "HOST:PORT for agents (mutual-TLS gRPC)" },
  http: { field: "http", type: "string", required: true, description: "HOST:PORT for the HTTPS API and dashboard" },
  catalogTtlSeconds: { field: "catalogTtlSeconds", type: "integer", min: 1, required: true, description: "seconds a signed catalog stays valid" },
  agentCertDays: { field: "agentCertDays", type: "integer", min: 1, required: true, description: "days an agent certificate is valid" },
  reportRetentionDays: { field: "reportRetentionDays", type: "integer", min: 0, description: "days a run report is kept (each node's latest regardless); 0 keeps all" },
  unresponsiveAfterMinutes: { field: "unresponsiveAfterMinutes", type: "integer", min: 1, description: "minutes of silence after which a node is unresponsive" },
} as const satisfies ConfigSchema;

export function readServerSettings(file: string): ServerSettings {
  return loadConfig(file, SERVER_JSON);
}
