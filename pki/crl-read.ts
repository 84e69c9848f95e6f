// Reads the CA's revocation list (built by crl.ts): verifies its signature over
// the exact bytes received, checks that this CA issued it, and answers the
// revoked serials. The agent reads one with every check-in; this uses der.ts,
// not node-forge, which every agent run would otherwise load.
import { createPublicKey, verify, X509Certificate } from "node:crypto";
import { AnclaError } from "../core/errors.js";
import { certificateSubject, derElements, type DerElement } from "./der.js";
import { normalizeSerialHex } from "./serial.js";

const INTEGER = 0x02;
const BIT_STRING = 0x03;
const OID = 0x06;
const SEQUENCE = 0x30;
const UTC_TIME = 0x17;
const GENERALIZED_TIME = 0x18;
/** 1.2.840.113549.1.1.11, sha256WithRSAEncryption, as DER content bytes. */
const SHA256_WITH_RSA = Buffer.from("2a864886f70d01010b", "hex");

export interface RevocationList {
  /** Revoked serials, lowercase hex, no leading zeros. */
  serials: Set<string>;
  thisUpdate: Date;
  nextUpdate: Date;
}

/** Verifies the CRL's signature against the CA and returns the revoked serials. Throws AnclaError(ANCLA_E_CERT_INVALID). */
export function readCrl(der: Uint8Array, caCertPem: string): RevocationList {
  const [crl] = derElements(Buffer.from(der));
  const [tbs, algorithm, signature] = crl ? derElements(crl.contents) : [];
  if (!tbs || !algorithm || signature?.tag !== BIT_STRING) throw invalid("not a CertificateList");
  if (!structured(() => isSha256WithRsa(algorithm))) throw invalid("unsupported signature algorithm");
  // The first content byte of a BIT STRING counts its unused bits (0 for a signature).
  if (!verify("sha256", tbs.whole, createPublicKey(caCertPem), signature.contents.subarray(1))) {
    throw invalid("its signature does not verify with this CA");
  }
  return structured(() => readTbs(tbs, caCertPem));
}

function readTbs(tbs: DerElement, caCertPem: string): RevocationList {
  const fields = derElements(tbs.contents);
  let i = fields[0]?.tag === INTEGER ? 1 : 0; // version is optional (absent means v1)
  i++; // inner signature algorithm: the outer one was checked and the signature covers both
  const caSubject = certificateSubject(Buffer.from(new X509Certificate(caCertPem).raw));
  if (!fields[i] || !fields[i++].whole.equals(caSubject.whole)) throw invalid("its issuer is not this CA");
  const thisUpdate = readTime(fields[i++]);
  if (!isTime(fields[i])) throw invalid("it has no nextUpdate");
  const nextUpdate = readTime(fields[i++]);
  const list = fields[i]?.tag === SEQUENCE ? derElements(fields[i].contents) : [];
  const serials = new Set(list.map((entry) => normalizeSerialHex(serialOf(entry))));
  return { serials, thisUpdate, nextUpdate };
}

function isSha256WithRsa(algorithm: DerElement): boolean {
  const [oid] = derElements(algorithm.contents);
  return oid?.tag === OID && oid.contents.equals(SHA256_WITH_RSA);
}

function serialOf(entry: DerElement): string {
  const [serial] = derElements(entry.contents);
  if (serial?.tag !== INTEGER) throw invalid("an entry has no serial number");
  return serial.contents.toString("hex");
}

function isTime(node: DerElement | undefined): boolean {
  return node?.tag === UTC_TIME || node?.tag === GENERALIZED_TIME;
}

/** RFC 5280 §5.1.2.4: UTCTime YYMMDDHHMMSSZ (years 1950-2049), GeneralizedTime YYYYMMDDHHMMSSZ. */
function readTime(node: DerElement | undefined): Date {
  if (!node || !isTime(node)) throw invalid("a date is missing");
  const text = node.contents.toString("latin1");
  const m = (node.tag === UTC_TIME ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/ : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/).exec(text);
  if (!m) throw invalid(`a date is not in RFC 5280 form: ${JSON.stringify(text)}`);
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number);
  const fullYear = node.tag === UTC_TIME ? (year < 50 ? 2000 + year : 1900 + year) : year;
  return new Date(Date.UTC(fullYear, month - 1, day, hour, minute, second));
}

// Array indexing fails with plain errors on unexpected shapes; report them as a refused CRL.
function structured<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof AnclaError) throw err;
    throw invalid(`unexpected structure (${(err as Error).message})`);
  }
}

function invalid(reason: string): AnclaError {
  return new AnclaError("ANCLA_E_CERT_INVALID", `CRL refused: ${reason}`);
}
