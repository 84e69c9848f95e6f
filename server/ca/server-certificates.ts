// The server's own certificates: its TLS certificate (both ports) and the
// catalog-signing certificate. Both last 825 days; nothing used to renew them,
// so on day 826 every agent would have stopped converging. They are renewed
// RENEW_BEFORE_DAYS before they expire, for the same key and names, by the CA
// in the data dir: agents accept the new ones at once because the CA they pin
// certified them. The CA itself is not renewed (agents pin its fingerprint):
// the server warns from RENEW_BEFORE_DAYS before, and docs/operations.md says
// how to rotate it.
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { issueCertificate, randomSerialHex, type CertificateUsage, type CertifiedKey } from "../../pki/ca.js";
import { SERVER_CERT_RENEW_DAYS } from "../../pki/server-cert-renewal.js";
import { subjectAltNames } from "../../pki/subject-names.js";
import type { DataDirPaths } from "../datadir.js";
import { writeFileDurableSync } from "../durable-write.js";
import type { Logger } from "../log.js";

export const RENEW_BEFORE_DAYS = SERVER_CERT_RENEW_DAYS;
/** The validity `ancla-server init` gives them, kept on renewal. */
export const SERVER_CERT_DAYS = 825;
const DAY_MS = 86_400_000;

export type ServerCertificateName = "ca" | "server" | "signing";

interface Renewable {
  name: Exclude<ServerCertificateName, "ca">;
  certFile: string;
  keyFile: string;
  usage: CertificateUsage;
}

function renewables(paths: DataDirPaths): Renewable[] {
  return [
    { name: "server", certFile: paths.serverCert, keyFile: paths.serverKey, usage: "server" },
    { name: "signing", certFile: paths.signerCert, keyFile: paths.signerKey, usage: "catalog-signing" },
  ];
}

/** When each of the server's certificates expires, as on disk now. */
export function serverCertificateExpiries(paths: DataDirPaths): Record<ServerCertificateName, Date> {
  const notAfter = (file: string) => new Date(new X509Certificate(readFileSync(file)).validTo);
  return { ca: notAfter(paths.caCert), server: notAfter(paths.serverCert), signing: notAfter(paths.signerCert) };
}

export interface RenewalResult {
  /** The certificates renewed now, with their new expiry. */
  renewed: { name: ServerCertificateName; notAfter: Date }[];
  /** What an operator must act on: the CA near its end (it is not renewed automatically). */
  warnings: string[];
}

/**
 * Renews the server and signing certificates that expire within
 * RENEW_BEFORE_DAYS of `now`: same subject, names and key, a new serial and
 * SERVER_CERT_DAYS more. Each file is replaced whole and durably (durable-write.ts).
 */
export function renewServerCertificates(paths: DataDirPaths, ca: CertifiedKey, now: Date): RenewalResult {
  const renewed: RenewalResult["renewed"] = [];
  for (const r of renewables(paths)) {
    const current = new X509Certificate(readFileSync(r.certFile));
    if (new Date(current.validTo).getTime() - now.getTime() > RENEW_BEFORE_DAYS * DAY_MS) continue;
    const certPem = issueCertificate(ca, {
      commonName: commonNameOf(current),
      publicKeyPem: current.publicKey.export({ type: "spki", format: "pem" }).toString(),
      usage: r.usage,
      serialHex: randomSerialHex(),
      validityDays: SERVER_CERT_DAYS,
      dnsNames: r.usage === "server" ? subjectAltNames({ subjectaltname: current.subjectAltName }) : undefined,
    });
    // Durably: a power cut must not leave an empty certificate the server cannot start with.
    writeFileDurableSync(r.certFile, certPem, 0o644);
    renewed.push({ name: r.name, notAfter: new Date(new X509Certificate(certPem).validTo) });
  }
  const caNotAfter = new Date(new X509Certificate(ca.certPem).validTo);
  const caDaysLeft = Math.floor((caNotAfter.getTime() - now.getTime()) / DAY_MS);
  const warnings =
    caDaysLeft <= RENEW_BEFORE_DAYS
      ? [`the CA certificate expires on ${caNotAfter.toISOString()} (${caDaysLeft} days): agents pin it, so it is not renewed automatically; rotate it as docs/operations.md says`]
      : [];
  return { renewed, warnings };
}

/** The certificate and key as the TLS servers and the catalog signer load them. */
export function loadCertifiedKey(paths: DataDirPaths, name: Exclude<ServerCertificateName, "ca">): CertifiedKey {
  const r = renewables(paths).find((x) => x.name === name)!;
  return { certPem: readFileSync(r.certFile, "utf8"), keyPem: readFileSync(r.keyFile, "utf8") };
}

function commonNameOf(cert: X509Certificate): string {
  const cn = cert.subject.split("\n").find((l) => l.startsWith("CN="));
  return cn ? cn.slice(3) : "";
}

export interface RenewalSchedule {
  stop(): void;
}

/**
 * Checks every `intervalMs` (and once now) and hands what was renewed to
 * `onRenewed` so the running endpoints take it without a restart; warnings
 * (and failures, which are retried next round) go to the log.
 */
export function scheduleServerCertificateRenewal(
  paths: DataDirPaths,
  ca: CertifiedKey,
  opts: { intervalMs: number; now?: () => Date; logger: Logger; onRenewed(names: ServerCertificateName[]): void },
): RenewalSchedule {
  const round = (): void => {
    try {
      const { renewed, warnings } = renewServerCertificates(paths, ca, opts.now?.() ?? new Date());
      for (const r of renewed) opts.logger.info({ certificate: r.name, notAfter: r.notAfter.toISOString() }, `renewed the ${r.name} certificate`);
      for (const w of warnings) opts.logger.warn(w);
      if (renewed.length > 0) opts.onRenewed(renewed.map((r) => r.name));
    } catch (err) {
      opts.logger.error({ err }, "renewing the server's certificates failed; retrying next round");
    }
  };
  round();
  const timer = setInterval(round, opts.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
