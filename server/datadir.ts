// Where everything of a server lives inside its --data-dir. One place, so the
// server, its init and the operator CLI (on the server host) agree.
import { join } from "node:path";

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
    /** Written by `start`: the URL the API actually listens on (port 0 resolved). */
    runtime: join(dir, "runtime.json"),
  };
}

export type DataDirPaths = ReturnType<typeof dataDirPaths>;
