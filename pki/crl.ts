// The revocation list, as a real X.509 v2 CRL signed by the CA (openssl crl can read it).
// node-forge has no CRL support, so the RFC 5280 structure is assembled with forge.asn1
// and signed with node:crypto (sha256WithRSAEncryption, PKCS#1 v1.5, as the certificates).
// Reading one is crl-read.ts, which the agent uses without forge.
import { sign, X509Certificate } from "node:crypto";
import forge from "node-forge";
import { caKeyIdentifier, type CertifiedKey } from "./ca.js";
import { certificateSubject } from "./der.js";
import { positiveIntegerHex } from "./serial.js";

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
      seq([extension(AUTHORITY_KEY_ID, seq([asn1.create(Class.CONTEXT_SPECIFIC, 0, false, caKeyIdentifier(ca.certPem))])), extension(CRL_NUMBER, integer(thisUpdate.getTime().toString(16)))]),
    ]),
  ]);
  const tbsDer = toBuffer(tbs);
  const signature = sign("sha256", tbsDer, ca.keyPem);
  const bitString = asn1.create(Class.UNIVERSAL, Type.BITSTRING, false, `\0${signature.toString("binary")}`);
  return new Uint8Array(toBuffer(seq([tbs, signatureAlgorithm(), bitString])));
}

function seq(items: Asn1[]): Asn1 {
  return asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, items);
}

function integer(hex: string): Asn1 {
  return asn1.create(Class.UNIVERSAL, Type.INTEGER, false, forge.util.hexToBytes(positiveIntegerHex(hex)));
}

function signatureAlgorithm(): Asn1 {
  return seq([asn1.create(Class.UNIVERSAL, Type.OID, false, asn1.oidToDer(SHA256_WITH_RSA).getBytes()), asn1.create(Class.UNIVERSAL, Type.NULL, false, "")]);
}

function extension(oid: string, value: Asn1): Asn1 {
  return seq([asn1.create(Class.UNIVERSAL, Type.OID, false, asn1.oidToDer(oid).getBytes()), asn1.create(Class.UNIVERSAL, Type.OCTETSTRING, false, asn1.toDer(value).getBytes())]);
}

// RFC 5280 §5.1.2.4: UTCTime through 2049, GeneralizedTime from 2050.
function time(date: Date): Asn1 {
  return date.getUTCFullYear() < 2050
    ? asn1.create(Class.UNIVERSAL, Type.UTCTIME, false, asn1.dateToUtcTime(date))
    : asn1.create(Class.UNIVERSAL, Type.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(date));
}

/** The CA certificate's subject Name exactly as encoded in it, so the CRL issuer matches byte for byte (crl-read.ts checks it). */
function caSubject(caCertPem: string): Asn1 {
  return asn1.fromDer(certificateSubject(Buffer.from(new X509Certificate(caCertPem).raw)).whole.toString("binary"));
}

function toBuffer(node: Asn1): Buffer {
  return Buffer.from(asn1.toDer(node).getBytes(), "binary");
}
