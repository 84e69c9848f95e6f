// The certificate authority: a self-signed root, and certificates it issues
// for agents (client auth), the server (server auth) and the catalog signer.
import { randomBytes } from "node:crypto";
import forge from "node-forge";
import { AnclaError } from "../core/errors.js";
import { generateKeyPair } from "./keys.js";
import { normalizeSerialHex, positiveIntegerHex } from "./serial.js";

export interface CertifiedKey {
  certPem: string;
  keyPem: string;
}

export type CertificateUsage = "client" | "server" | "catalog-signing";

export interface IssueRequest {
  /** CN of the subject: the agent's certname, the server's hostname, or the signer's name. */
  commonName: string;
  publicKeyPem: string;
  usage: CertificateUsage;
  /** Serial number, lowercase hex without leading zeros' ambiguity (positive). */
  serialHex: string;
  validityDays: number;
  /** subjectAltName DNS names (server certificates). */
  dnsNames?: string[];
  /** Backdate notBefore by this many seconds to tolerate clock skew (default BACKDATE_SECONDS, a day). */
  skewSeconds?: number;
}

const DAY_MS = 86_400_000;
/**
 * notBefore lies a day in the past, as Puppet's CA does: a host whose clock
 * runs hours behind the CA's (a fresh VM before NTP, a dead RTC battery)
 * must still accept the certificates issued now, or nothing converges.
 */
const BACKDATE_SECONDS = 86_400;
const DNS_NAME = 2; // GeneralName tag for dNSName

/** A new self-signed CA (basicConstraints CA:true, keyCertSign, cRLSign). */
export function createCertificateAuthority(commonName: string, validityDays = 3650): CertifiedKey {
  const keys = generateKeyPair();
  const key = forge.pki.privateKeyFromPem(keys.privateKeyPem);
  const subject = [{ name: "commonName", value: commonName }];
  const cert = newCertificate(keys.publicKeyPem, randomSerialHex(), validityDays, BACKDATE_SECONDS);
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([{ name: "basicConstraints", cA: true, critical: true }, { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true }, { name: "subjectKeyIdentifier" }]);
  cert.sign(key, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.privateKeyPem };
}

/** A certificate for `req`, signed by `ca` (SHA-256 RSA). */
export function issueCertificate(ca: CertifiedKey, req: IssueRequest): string {
  if (!(req.validityDays > 0)) throw new AnclaError("ANCLA_E_USAGE", `validityDays must be positive, got ${req.validityDays}`);
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const cert = newCertificate(req.publicKeyPem, req.serialHex, req.validityDays, req.skewSeconds ?? BACKDATE_SECONDS);
  cert.setSubject([{ name: "commonName", value: req.commonName }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: "basicConstraints", cA: false, critical: true },
    // Without AKI = the CA's SKI, OpenSSL's issuer lookup (and Node's checkIssued) can refuse the chain.
    { name: "authorityKeyIdentifier", keyIdentifier: caKeyIdentifier(ca.certPem) },
    { name: "subjectKeyIdentifier" },
    ...usageExtensions(req),
  ]);
  cert.sign(forge.pki.privateKeyFromPem(ca.keyPem), forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

/**
 * A fresh random positive serial (16 bytes, hex). The top bit is cleared so the
 * DER INTEGER is positive without padding; the result is in the canonical form
 * of serial.ts (lowercase, no leading zeros).
 */
export function randomSerialHex(): string {
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f;
  return normalizeSerialHex(bytes.toString("hex"));
}

/** The CA's subjectKeyIdentifier as a forge binary string (for AKI in certificates and CRLs). */
export function caKeyIdentifier(caCertPem: string): string {
  const caCert = forge.pki.certificateFromPem(caCertPem);
  const ski = caCert.getExtension("subjectKeyIdentifier") as { subjectKeyIdentifier?: string } | null;
  return ski?.subjectKeyIdentifier ? forge.util.hexToBytes(ski.subjectKeyIdentifier) : caCert.generateSubjectKeyIdentifier().getBytes();
}

function newCertificate(publicKeyPem: string, serialHex: string, validityDays: number, skewSeconds: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  const now = Date.now();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKeyPem);
  cert.serialNumber = positiveIntegerHex(serialHex);
  cert.validity.notBefore = new Date(now - skewSeconds * 1000);
  cert.validity.notAfter = new Date(now + validityDays * DAY_MS);
  return cert;
}

function usageExtensions(req: IssueRequest): object[] {
  switch (req.usage) {
    case "client":
      return [
        { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
        { name: "extKeyUsage", clientAuth: true },
      ];
    case "server": {
      // Clients match the hostname against SANs only, so the CN must be one too.
      const names = [...new Set([req.commonName, ...(req.dnsNames ?? [])])];
      return [
        { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
        { name: "extKeyUsage", serverAuth: true },
        { name: "subjectAltName", altNames: names.map((value) => ({ type: DNS_NAME, value })) },
      ];
    }
    case "catalog-signing":
      return [
        { name: "keyUsage", digitalSignature: true, critical: true },
        { name: "extKeyUsage", codeSigning: true },
      ];
  }
}
