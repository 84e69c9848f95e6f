// DSSE envelopes (payload type + payload + signatures over PAE), signed by a
// catalog-signing key whose certificate the CA issued.
import type { CertifiedKey } from "./ca.js";

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

/** DSSE v1 pre-authentication encoding. */
export function pae(payloadType: string, payload: Uint8Array): Uint8Array {
  throw new Error("todo");
}

export function signEnvelope(payloadType: string, payload: Uint8Array, signer: CertifiedKey): DsseEnvelope {
  throw new Error("todo");
}

/**
 * Returns the payload when at least one signature verifies with a certificate
 * that `caCertPem` issued for catalog signing, valid at `now`, whose serial is
 * not in `revokedSerials`, and the payload type is `expectedType`.
 * Throws AnclaError(ANCLA_E_SIGNATURE_INVALID) naming the reason otherwise.
 */
export function verifyEnvelope(env: DsseEnvelope, caCertPem: string, expectedType: string, opts?: { now?: Date; revokedSerials?: Set<string> }): Uint8Array {
  throw new Error("todo");
}
