// DSSE envelopes (payload type + payload + signatures over PAE), signed by a
// catalog-signing key whose certificate the CA issued.
// Signatures are RSASSA-PKCS1-v1_5 with SHA-256: deterministic, and the same scheme
// as the CA's certificates and CRL, so one key type and one algorithm everywhere.
import { sign, verify, X509Certificate } from "node:crypto";
import { AnclaError } from "../core/errors.js";
import type { CertifiedKey } from "./ca.js";
import { publicKeySha256 } from "./keys.js";
import { verifyCertificate } from "./verify.js";

export interface DsseSignature {
  keyid: string;
  sig: Uint8Array;
  certPem: string;
}

export interface DsseEnvelope {
  payloadType: string;
  payload: Uint8Array;
  signatures: DsseSignature[];
}

/** DSSE v1 pre-authentication encoding: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, lengths in bytes as ASCII decimal. */
export function pae(payloadType: string, payload: Uint8Array): Uint8Array {
  const type = Buffer.from(payloadType, "utf8");
  const header = Buffer.from(`DSSEv1 ${type.length} ${payloadType} ${payload.length} `, "utf8");
  return new Uint8Array(Buffer.concat([header, payload]));
}

/** An envelope with one signature by `signer`; keyid is publicKeySha256 of the signer's key. */
export function signEnvelope(payloadType: string, payload: Uint8Array, signer: CertifiedKey): DsseEnvelope {
  const sig = sign("sha256", pae(payloadType, payload), signer.keyPem);
  return {
    payloadType,
    payload,
    signatures: [{ keyid: publicKeySha256(signer.certPem), sig: new Uint8Array(sig), certPem: signer.certPem }],
  };
}

/**
 * Returns the payload when at least one signature verifies with a certificate
 * that `caCertPem` issued for catalog signing, valid at `now`, whose serial is
 * not in `revokedSerials`, and the payload type is `expectedType`.
 * Throws AnclaError(ANCLA_E_SIGNATURE_INVALID) naming the reason otherwise.
 * keyid is ignored: it is an unauthenticated hint, the certificate decides.
 */
export function verifyEnvelope(env: DsseEnvelope, caCertPem: string, expectedType: string, opts?: { now?: Date; revokedSerials?: Set<string> }): Uint8Array {
  if (env.payloadType !== expectedType) {
    throw new AnclaError("ANCLA_E_SIGNATURE_INVALID", `payload type is "${env.payloadType}", expected "${expectedType}"`);
  }
  if (env.signatures.length === 0) throw new AnclaError("ANCLA_E_SIGNATURE_INVALID", "the envelope has no signatures");
  const message = pae(env.payloadType, env.payload);
  const reasons = env.signatures.map((s) => refusal(s, message, caCertPem, opts ?? {}));
  if (reasons.includes(null)) return env.payload;
  throw new AnclaError("ANCLA_E_SIGNATURE_INVALID", `no signature verifies: ${reasons.join("; ")}`);
}

/** Why `s` does not vouch for `message`, or null when it does. */
function refusal(s: DsseSignature, message: Uint8Array, caCertPem: string, opts: { now?: Date; revokedSerials?: Set<string> }): string | null {
  try {
    const cert = verifyCertificate(s.certPem, caCertPem, { usage: "catalog-signing", now: opts.now });
    if (opts.revokedSerials?.has(cert.serialHex)) return `signer certificate ${cert.serialHex} is revoked`;
    const key = new X509Certificate(s.certPem).publicKey;
    return verify("sha256", message, key, s.sig) ? null : `signature by "${cert.commonName}" does not match the payload`;
  } catch (err) {
    // A certificate or signature that cannot even be parsed vouches for nothing either.
    return (err as Error).message;
  }
}
