// The revocation list, as a real X.509 v2 CRL signed by the CA (openssl crl can read it).
// node-forge has no CRL support, so the RFC 5280 structure is assembled with forge.asn1
// and signed with node:crypto (sha256WithRSAEncryption, PKCS#1 v1.5, as the certificates).
import { createPublicKey, sign, verify } from "node:crypto";
import forge from "node-forge";
import { AnclaError } from "../proto/errors.js";
import { caKeyIdentifier, type CertifiedKey } from "./ca.js";
import { derElements } from "./der.js";
import { normalizeSerialHex, positiveIntegerHex } from "./serial.js";

export interface RevokedEntry {
  serialHex: string;
  revokedAt: Date;
}

const { asn1 } = forge;
const { Class, Type } = asn1;
type Asn1 = forge.asn1.Asn1;

const SHA256_WITH_RSA = "1.2.840.113549.1.1.11";
const AUTHORITY_KEY_ID = "2.5.29.35";
const CRL_NUMBER = "2.5.29.20";
const V2 = "01";

/**
 * DER-encoded CRL listing `revoked`, valid from `thisUpdate` until `nextUpdate`.
 * It carries the two extensions RFC 5280 requires of a v2 CRL: authorityKeyIdentifier
 * and cRLNumber. The number is thisUpdate in milliseconds, which is monotonic as long
 * as each new CRL is dated later than the previous one, so no counter is stored.
 */
export function buildCrl(ca: CertifiedKey, revoked: RevokedEntry[], thisUpdate: Date, nextUpdate: Date): Uint8Array {
  const entries = revoked.map((e) => seq([integer(e.serialHex), time(e.revokedAt)]));
  const tbs = seq([
    integer(V2),
    signatureAlgorithm(),
    caSubject(ca.certPem),
    time(thisUpdate),
    time(nextUpdate),
    // RFC 5280: when nothing is revoked the list MUST be absent, not empty.
    ...(entries.length ? [seq(entries)] : []),
    asn1.create(Class.CONTEXT_SPECIFIC, 0, true, [
      seq([
        extension(AUTHORITY_KEY_ID, seq([asn1.create(Class.CONTEXT_SPECIFIC, 0, false, caKeyIdentifier(ca.certPem))])),
        extension(CRL_NUMBER, integer(thisUpdate.getTime().toString(16))),
      ]),
    ]),
  ]);
  const tbsDer = toBuffer(tbs);
  const signature = sign("sha256", tbsDer, ca.keyPem);
  const bitString = asn1.create(Class.UNIVERSAL, Type.BITSTRING, false, `\0${signature.toString("binary")}`);
  return new Uint8Array(toBuffer(seq([tbs, signatureAlgorithm(), bitString])));
}

/** Verifies the CRL's signature against the CA and returns the revoked serials (lowercase hex). Throws AnclaError(ANCLA_E_CERT_INVALID). */
export function readCrl(der: Uint8Array, caCertPem: string): { serials: Set<string>; thisUpdate: Date; nextUpdate: Date } {
  const [crl] = derElements(Buffer.from(der));
  const [tbs, algorithm, signature] = crl ? derElements(crl.contents) : [];
  if (!tbs || !algorithm || signature?.tag !== Type.BITSTRING) throw invalid("not a CertificateList");
  if (structured(() => algorithmOid(algorithm.whole)) !== SHA256_WITH_RSA) throw invalid("unsupported signature algorithm");
  if (!verify("sha256", tbs.whole, createPublicKey(caCertPem), signature.contents.subarray(1))) {
    throw invalid("its signature does not verify with this CA");
  }
  return structured(() => readTbs(tbs.whole, caCertPem));
}

// forge and array indexing fail with plain errors on unexpected shapes; report them as a refused CRL.
function structured<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof AnclaError) throw err;
    throw invalid(`unexpected structure (${(err as Error).message})`);
  }
}

function readTbs(tbsDer: Buffer, caCertPem: string): { serials: Set<string>; thisUpdate: Date; nextUpdate: Date } {
  const fields = children(fromDer(tbsDer));
  let i = fields[0]?.type === Type.INTEGER ? 1 : 0; // version is optional (absent means v1)
  i++; // inner signature algorithm: the outer one was checked and the signature covers both
  if (toBuffer(fields[i++]).compare(toBuffer(caSubject(caCertPem))) !== 0) throw invalid("its issuer is not this CA");
  const thisUpdate = readTime(fields[i++]);
  if (!isTime(fields[i])) throw invalid("it has no nextUpdate");
  const nextUpdate = readTime(fields[i++]);
  const list = fields[i]?.tagClass === Class.UNIVERSAL && fields[i].type === Type.SEQUENCE ? children(fields[i]) : [];
  const serials = new Set(list.map((entry) => normalizeSerialHex(forge.util.bytesToHex(children(entry)[0].value as string))));
  return { serials, thisUpdate, nextUpdate };
}

function seq(items: Asn1[]): Asn1 {
  return asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, items);
}

function integer(hex: string): Asn1 {
  return asn1.create(Class.UNIVERSAL, Type.INTEGER, false, forge.util.hexToBytes(positiveIntegerHex(hex)));
}

function signatureAlgorithm(): Asn1 {
  return seq([
    asn1.create(Class.UNIVERSAL, Type.OID, false, asn1.oidToDer(SHA256_WITH_RSA).getBytes()),
    asn1.create(Class.UNIVERSAL, Type.NULL, false, ""),
  ]);
}

function extension(oid: string, value: Asn1): Asn1 {
  return seq([
    asn1.create(Class.UNIVERSAL, Type.OID, false, asn1.oidToDer(oid).getBytes()),
    asn1.create(Class.UNIVERSAL, Type.OCTETSTRING, false, asn1.toDer(value).getBytes()),
  ]);
}

// RFC 5280 §5.1.2.4: UTCTime through 2049, GeneralizedTime from 2050.
function time(date: Date): Asn1 {
  return date.getUTCFullYear() < 2050
    ? asn1.create(Class.UNIVERSAL, Type.UTCTIME, false, asn1.dateToUtcTime(date))
    : asn1.create(Class.UNIVERSAL, Type.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(date));
}

function isTime(node: Asn1 | undefined): boolean {
  return node?.tagClass === Class.UNIVERSAL && (node.type === Type.UTCTIME || node.type === Type.GENERALIZEDTIME);
}

function readTime(node: Asn1 | undefined): Date {
  if (!node || !isTime(node)) throw invalid("a date is missing");
  const text = node.value as string;
  return node.type === Type.UTCTIME ? asn1.utcTimeToDate(text) : asn1.generalizedTimeToDate(text);
}

/** The CA certificate's subject Name exactly as encoded in it, so the CRL issuer matches byte for byte. */
function caSubject(caCertPem: string): Asn1 {
  const tbsCertificate = children(fromDer(Buffer.from(forge.pem.decode(caCertPem)[0].body, "binary")))[0];
  const fields = children(tbsCertificate);
  const hasVersion = fields[0].tagClass === Class.CONTEXT_SPECIFIC;
  return fields[hasVersion ? 5 : 4];
}

function algorithmOid(der: Buffer): string {
  const oid = children(fromDer(der))[0];
  return oid?.type === Type.OID ? asn1.derToOid(oid.value as string) : "";
}

function fromDer(buf: Buffer): Asn1 {
  return asn1.fromDer(buf.toString("binary"));
}

function children(node: Asn1 | undefined): Asn1[] {
  if (!node || !Array.isArray(node.value)) throw invalid("unexpected structure");
  return node.value;
}

function toBuffer(node: Asn1): Buffer {
  return Buffer.from(asn1.toDer(node).getBytes(), "binary");
}

function invalid(reason: string): AnclaError {
  return new AnclaError("ANCLA_E_CERT_INVALID", `CRL refused: ${reason}`);
}
