// Checks that a certificate was issued by the CA, is within its validity
// period and was issued for the expected usage.
import { X509Certificate, type KeyObject } from "node:crypto";
import { AnclaError } from "../core/errors.js";
import type { CertificateUsage } from "./ca.js";
import { certificateSubject, derElements, type DerElement } from "./der.js";
import { normalizeSerialHex } from "./serial.js";

export interface VerifiedCertificate {
  commonName: string;
  /** Canonical form (serial.ts): lowercase hex, no leading zeros. */
  serialHex: string;
  notAfter: Date;
  usage: CertificateUsage;
  /** What secrets in a node's catalog are sealed to (pki/seal-to-key.ts). */
  publicKey: KeyObject;
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
  return { commonName: commonName(x), serialHex: normalizeSerialHex(x.serialNumber), notAfter, usage: opts.usage, publicKey: x.publicKey };
}

function parse(cert: string | Uint8Array): X509Certificate {
  try {
    return new X509Certificate(typeof cert === "string" ? cert : Buffer.from(cert));
  } catch (err) {
    throw new AnclaError("ANCLA_E_CERT_INVALID", `the certificate cannot be parsed: ${(err as Error).message}`, { cause: err });
  }
}

// Node only offers the subject as escaped text, so the CN is read from the DER
// itself: the first commonName of tbsCertificate's subject, exactly as issued
// (with der.ts, not node-forge, which every agent run would otherwise load).
function commonName(x: X509Certificate): string {
  let cn: string | undefined;
  try {
    cn = firstCommonName(Buffer.from(x.raw));
  } catch {
    fail("its subject cannot be read");
  }
  if (cn === undefined) fail("it has no subject CN");
  return cn;
}

/** 2.5.4.3, id-at-commonName, as DER content bytes. */
const CN_OID = Buffer.from([0x55, 0x04, 0x03]);
const OID_TAG = 0x06;
function firstCommonName(der: Buffer): string | undefined {
  for (const rdn of derElements(certificateSubject(der).contents)) {
    for (const attribute of derElements(rdn.contents)) {
      const [type, value] = derElements(attribute.contents);
      if (type.tag === OID_TAG && type.contents.equals(CN_OID)) return decodeString(value);
    }
  }
  return undefined;
}

function decodeString(value: DerElement): string {
  switch (value.tag) {
    case 0x0c: // UTF8String
      return new TextDecoder("utf-8", { fatal: true }).decode(value.contents);
    case 0x13: // PrintableString
    case 0x16: // IA5String
    case 0x14: // TeletexString, read as Latin-1 as most implementations do
      return value.contents.toString("latin1");
    case 0x1e: // BMPString
      return new TextDecoder("utf-16be", { fatal: true }).decode(value.contents);
    default:
      throw new Error(`CN of unsupported string type ${value.tag}`);
  }
}

function fail(reason: string): never {
  throw new AnclaError("ANCLA_E_CERT_INVALID", `certificate refused: ${reason}`);
}
