// Where everything of a server lives inside its --data-dir. One place, so the
// server, its init and the operator CLI (on the server host) agree.
import { join } from "node:path";
import { loadConfig, type ConfigSchema } from "../proto/config.js";

export const DEFAULT_DATA_DIR = "/var/lib/ancla-server";

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

export function dataDirPaths(dir: string) {
  return {
    dir,
    settings: join(dir, "server.json"),
    caCert: join(dir, "ca", "ca.crt"),
    caKey: join(dir, "ca", "ca.key"),
    serverCert: join(dir, "tls", "server.crt"),
    serverKey: join(dir, "tls", "server.key"),
    signerCert: join(dir, "signing", "catalog-signer.crt"),
    signerKey: join(dir, "signing", "catalog-signer.key"),
    /** The first admin token, readable by root only, so `ancla` works on the server host. */
    adminToken: join(dir, "admin.token"),
    database: join(dir, "ancla.db"),
    content: join(dir, "content"),
    /** Pushed artifacts (images), by SHA-256; their names are in the database. */
    artifacts: join(dir, "artifacts"),
    /** Every release's files, by SHA-256, shared by all releases; their manifests are in the database. */
    releases: join(dir, "releases"),
    /** Releases laid out as site directories to compile from: a cache, rebuilt from `releases` when missing. */
    releaseTrees: join(dir, "release-trees"),
    /** Written by `start`: the URL the API actually listens on (port 0 resolved). */
    runtime: join(dir, "runtime.json"),
  };
}

export type DataDirPaths = ReturnType<typeof dataDirPaths>;
