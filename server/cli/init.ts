// `ancla-server init`: the CA, the server's TLS identity, the catalog-signing
// key, the key-encryption key for secrets, the database and the first admin
// token, all inside --data-dir.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { hostname as osHostname } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createCertificateAuthority, issueCertificate, randomSerialHex, type CertifiedKey } from "../../pki/ca.js";
import { certificateFingerprint } from "../../pki/fingerprint.js";
import { generateKeyPair } from "../../pki/keys.js";
import { AnclaError } from "../../core/errors.js";
import { dataDirPaths, type DataDirPaths } from "../datadir.js";
import type { ServerSettings } from "../settings.js";
import { openStore } from "../store/sqlite/index.js";
import { CertificateService } from "../ca/service.js";
import { LocalKms } from "../secrets/local-kms.js";

export interface InitOptions {
  dataDir: string;
  site?: string;
  hostname?: string;
}

export interface InitResult {
  dataDir: string;
  site: string;
  hostname: string;
  caFingerprint: string;
  adminToken: string;
}

const EMPTY_SITE = "# Which modules each node gets; see docs and examples/site.\nnodes: []\n";

function writePrivate(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, text, { mode: 0o600 });
}

function writePublic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  writeFileSync(path, text, { mode: 0o644 });
}

function issueFor(ca: CertifiedKey, commonName: string, usage: "server" | "catalog-signing", dnsNames?: string[]): CertifiedKey {
  const keys = generateKeyPair();
  const certPem = issueCertificate(ca, { commonName, publicKeyPem: keys.publicKeyPem, usage, serialHex: randomSerialHex(), validityDays: 825, dnsNames });
  return { certPem, keyPem: keys.privateKeyPem };
}

function prepareSite(paths: DataDirPaths, site: string | undefined): string {
  if (site) {
    const abs = resolve(site);
    if (!existsSync(abs)) throw new AnclaError("ANCLA_E_USAGE", `--site ${site}: no such directory`);
    return abs;
  }
  const abs = join(paths.dir, "site");
  if (!existsSync(join(abs, "nodes.yaml"))) writePublic(join(abs, "nodes.yaml"), EMPTY_SITE);
  return abs;
}

export async function initDataDir(opts: InitOptions): Promise<InitResult> {
  const paths = dataDirPaths(resolve(opts.dataDir));
  if (existsSync(paths.caCert)) throw new AnclaError("ANCLA_E_CA_EXISTS", `${paths.caCert} exists`);
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  const hostname = opts.hostname ?? osHostname();
  const site = prepareSite(paths, opts.site);

  const ca = createCertificateAuthority(`Ancla CA (${hostname})`);
  const tls = issueFor(ca, hostname, "server", [...new Set([hostname, "localhost"])]);
  const signer = issueFor(ca, "ancla catalog signer", "catalog-signing");
  writePrivate(paths.serverKey, tls.keyPem);
  writePublic(paths.serverCert, tls.certPem);
  writePrivate(paths.signerKey, signer.keyPem);
  writePublic(paths.signerCert, signer.certPem);

  const settings: ServerSettings = {
    site,
    hostname,
    grpc: "0.0.0.0:8140",
    http: "127.0.0.1:8141",
    catalogTtlSeconds: 7 * 24 * 3600,
    agentCertDays: 90,
  };
  writePrivate(paths.settings, JSON.stringify(settings, null, 2) + "\n");
  // The first key-encryption key of the local KMS provider, which seals every secret.
  new LocalKms(paths.kms, { createFirst: true });

  const store = openStore(paths.database);
  let adminToken: string;
  try {
    adminToken = (await new CertificateService(store, ca, { agentCertDays: settings.agentCertDays }).createApiToken("admin", "initial admin")).token;
  } finally {
    await store.close();
  }
  writePrivate(paths.adminToken, adminToken + "\n");
  // The CA goes last: its presence is what marks the data dir as initialised,
  // so an init that failed half-way can simply be run again.
  writePrivate(paths.caKey, ca.keyPem);
  writePublic(paths.caCert, ca.certPem);
  return { dataDir: paths.dir, site, hostname, caFingerprint: certificateFingerprint(ca.certPem), adminToken };
}
