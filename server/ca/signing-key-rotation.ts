// `ancla-server signing-key rotate`: a new catalog-signing key and certificate,
// and the old certificate revoked. Renewal (server-certificates.ts) keeps the
// key; rotation is for a key that may have leaked: agents learn the revocation
// with their next check-in (the CRL rides on GetCatalog) and from then on
// refuse anything the old key signed, from the wire or from their cache.
import { X509Certificate } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { issueCertificate, randomSerialHex } from "../../pki/ca.js";
import { generateKeyPair } from "../../pki/keys.js";
import { normalizeSerialHex } from "../../pki/serial.js";
import { AnclaError } from "../../core/errors.js";
import { dataDirPaths, type DataDirPaths } from "../datadir.js";
import { writeFileDurableSync } from "../durable-write.js";
import { readRuntime } from "../runtime.js";
import { openStore } from "../store/sqlite/index.js";
import { SERVER_CERT_DAYS } from "./server-certificates.js";

export interface RotatedSigningKey {
  /** The serial of the certificate now revoked. */
  revokedSerial: string;
  serial: string;
  notAfter: string;
  /** A running server was told (SIGHUP) and signs with the new key from now on; else it does at its next start. */
  serverReloaded: boolean;
}

export async function rotateSigningKey(dataDir: string, actor: string, now: Date = new Date()): Promise<RotatedSigningKey> {
  const paths = dataDirPaths(resolve(dataDir));
  if (!existsSync(paths.caCert)) throw new AnclaError("ANCLA_E_CA_MISSING", `${paths.caCert} not found`);
  const ca = { certPem: readFileSync(paths.caCert, "utf8"), keyPem: readFileSync(paths.caKey, "utf8") };
  const old = new X509Certificate(readFileSync(paths.signerCert));
  const keys = generateKeyPair();
  const certPem = issueCertificate(ca, {
    commonName:
      old.subject
        .split("\n")
        .find((l) => l.startsWith("CN="))
        ?.slice(3) ?? "ancla catalog signer",
    publicKeyPem: keys.publicKeyPem,
    usage: "catalog-signing",
    serialHex: randomSerialHex(),
    validityDays: SERVER_CERT_DAYS,
  });
  replace(paths, keys.privateKeyPem, certPem);
  const revokedSerial = normalizeSerialHex(old.serialNumber);
  const store = openStore(paths.database);
  try {
    await store.transaction(async (tx) => {
      await tx.certificates.revokeServerCertificate(revokedSerial, old.subject.replaceAll("\n", ", "), now);
      await tx.audit.appendAudit({
        at: now,
        actor,
        action: "signing-key.rotate",
        target: "catalog-signing",
        detail: { revokedSerial, serial: new X509Certificate(certPem).serialNumber.toLowerCase() },
      });
    });
  } finally {
    await store.close();
  }
  const fresh = new X509Certificate(certPem);
  return { revokedSerial, serial: normalizeSerialHex(fresh.serialNumber), notAfter: new Date(fresh.validTo).toISOString(), serverReloaded: reloadRunningServer(paths) };
}

/** Key, then certificate, each replaced whole and durably (a power cut leaves the old one or the new one). */
function replace(paths: DataDirPaths, keyPem: string, certPem: string): void {
  writeFileDurableSync(paths.signerKey, keyPem, 0o600);
  writeFileDurableSync(paths.signerCert, certPem, 0o644);
}

/** SIGHUP to the server runtime.json names, when it is still running. */
function reloadRunningServer(paths: DataDirPaths): boolean {
  const runtime = readRuntime(paths.runtime);
  if (!runtime) return false;
  try {
    process.kill(runtime.pid, "SIGHUP");
    return true;
  } catch {
    // Not running any more (a stale runtime.json after a crash): it reads the new key when it starts.
    return false;
  }
}
