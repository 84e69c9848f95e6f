// Where everything of a server lives inside its --data-dir. One place, so the
// server, its init and the operator CLI (on the server host) agree.
import { join } from "node:path";

export const DEFAULT_DATA_DIR = "/var/lib/ancla-server";

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
    /** The local KMS provider's key-encryption keys (0600 files in a 0700 directory): they unseal every secret. */
    kms: join(dir, "kms"),
    /** Written by `start`: the URL the API actually listens on (port 0 resolved). */
    runtime: join(dir, "runtime.json"),
  };
}

export type DataDirPaths = ReturnType<typeof dataDirPaths>;
