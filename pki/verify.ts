// Checks that a certificate was issued by the CA, is within its validity
// period and was issued for the expected usage.
import type { CertificateUsage } from "./ca.js";

export interface VerifiedCertificate {
  commonName: string;
  serialHex: string;
  notAfter: Date;
  usage: CertificateUsage;
}

/** `cert` is PEM or DER. Throws AnclaError(ANCLA_E_CERT_INVALID) naming what failed. */
export function verifyCertificate(cert: string | Uint8Array, caCertPem: string, opts: { usage: CertificateUsage; now?: Date }): VerifiedCertificate {
  throw new Error("todo");
}
