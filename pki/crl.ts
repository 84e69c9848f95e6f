// The revocation list, as a real X.509 v2 CRL signed by the CA (openssl crl can read it).
import type { CertifiedKey } from "./ca.js";

export interface RevokedEntry {
  serialHex: string;
  revokedAt: Date;
}

/** DER-encoded CRL listing `revoked`, valid from `thisUpdate` until `nextUpdate`. */
export function buildCrl(ca: CertifiedKey, revoked: RevokedEntry[], thisUpdate: Date, nextUpdate: Date): Uint8Array {
  throw new Error("todo");
}

/** Verifies the CRL's signature against the CA and returns the revoked serials (lowercase hex). Throws AnclaError(ANCLA_E_CERT_INVALID). */
export function readCrl(der: Uint8Array, caCertPem: string): { serials: Set<string>; thisUpdate: Date; nextUpdate: Date } {
  throw new Error("todo");
}
