// The certificate authority: a self-signed root, and certificates it issues
// for agents (client auth), the server (server auth) and the catalog signer.
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
  /** Backdate notBefore by this many seconds to tolerate clock skew (default 300). */
  skewSeconds?: number;
}

/** A new self-signed CA (basicConstraints CA:true, keyCertSign, cRLSign). */
export function createCertificateAuthority(commonName: string, validityDays = 3650): CertifiedKey {
  throw new Error("todo");
}

/** A certificate for `req`, signed by `ca` (SHA-256 RSA). */
export function issueCertificate(ca: CertifiedKey, req: IssueRequest): string {
  throw new Error("todo");
}

/** A fresh random positive serial (16 bytes, hex). */
export function randomSerialHex(): string {
  throw new Error("todo");
}
