// Checks that a certificate was issued by the CA, is within its validity
// period and was issued for the expected usage.
import { X509Certificate } from "node:crypto";
import forge from "node-forge";
import { AnclaError } from "../proto/errors.js";
import type { CertificateUsage } from "./ca.js";
import { normalizeSerialHex } from "./serial.js";

export interface VerifiedCertificate {
  commonName: string;
  /** Canonical form (serial.ts): lowercase hex, no leading zeros. */
  serialHex: string;
  notAfter: Date;
  usage: CertificateUsage;
}

/** The extKeyUsage OID each usage requires. */
const USAGE_OID: Record<CertificateUsage, string> = {
  client: "1.3.6.1.5.5.7.3.2",
  server: "1.3.6.1.5.5.7.3.1",
  "catalog-signing": "1.3.6.1.5.5.7.3.3",
};

/** `cert` is PEM or DER. Throws AnclaError(ANCLA_E_CERT_INVALID) naming what failed. */
export function verifyCertificate(cert: string | Uint8Array, caCertPem: string, opts: { usage: CertificateUsage; now?: Date }): VerifiedCertificate {
  const x = parse(cert);
  const ca = parse(caCertPem);
  // checkIssued compares names and key identifiers; verify checks the signature itself.
  if (!x.checkIssued(ca) || !x.verify(ca.publicKey)) fail("it was not issued by this CA");
  const now = opts.now ?? new Date();
  const notBefore = new Date(x.validFrom);
  const notAfter = new Date(x.validTo);
  if (now < notBefore) fail(`it is not valid before ${notBefore.toISOString()}`);
  if (now > notAfter) fail(`it expired at ${notAfter.toISOString()}`);
  // keyUsage here is Node's list of extKeyUsage OIDs (undefined when the extension is absent).
  if (!(x.keyUsage ?? []).includes(USAGE_OID[opts.usage])) fail(`it was not issued for ${opts.usage} use`);
  return { commonName: commonName(x), serialHex: normalizeSerialHex(x.serialNumber), notAfter, usage: opts.usage };
}

function parse(cert: string | Uint8Array): X509Certificate {
  try {
    return new X509Certificate(typeof cert === "string" ? cert : Buffer.from(cert));
  } catch (err) {
    throw new AnclaError("ANCLA_E_CERT_INVALID", `the certificate cannot be parsed: ${(err as Error).message}`, { cause: err });
  }
}

// Node only offers the subject as escaped text; forge gives the CN attribute exactly.
function commonName(x: X509Certificate): string {
  const der = forge.util.binary.raw.encode(new Uint8Array(x.raw));
  const subject = forge.pki.certificateFromAsn1(forge.asn1.fromDer(der)).subject;
  const cn = subject.getField("CN") as { value?: unknown } | null;
  if (typeof cn?.value !== "string") fail("it has no subject CN");
  return cn.value;
}

function fail(reason: string): never {
  throw new AnclaError("ANCLA_E_CERT_INVALID", `certificate refused: ${reason}`);
}
