// The CA fingerprint agents pin: SHA-256 of the CA certificate's DER.
import { timingSafeEqual, X509Certificate } from "node:crypto";
import { AnclaError } from "../core/errors.js";

const PLAIN_HEX = /^[0-9a-f]{64}$/i;
const COLON_HEX = /^[0-9a-f]{2}(:[0-9a-f]{2}){31}$/i;

/** "SHA256:AB:CD:..." (uppercase hex pairs), the form `ancla-server init` prints. */
export function certificateFingerprint(certPem: string): string {
  // fingerprint256 is already SHA-256 over the DER, as uppercase colon-separated pairs.
  return `SHA256:${new X509Certificate(certPem).fingerprint256}`;
}

/**
 * "SHA256:AB:CD:..." of a SHA-256 given as hex: how a public key's fingerprint
 * (keys.ts publicKeySha256) is shown, by the waiting agent and in `ancla cert
 * list` alike, so an operator compares two identical strings.
 */
export function formatSha256(hex: string): string {
  return `SHA256:${hex.toUpperCase().match(/../g)!.join(":")}`;
}

/** Accepts "SHA256:AB:CD..", "ab:cd..", or plain hex; returns 64 lowercase hex chars or throws AnclaError(ANCLA_E_USAGE). */
export function normalizeFingerprint(input: string): string {
  const body = input.trim().replace(/^sha256:/i, "");
  if (!PLAIN_HEX.test(body) && !COLON_HEX.test(body)) {
    throw new AnclaError("ANCLA_E_USAGE", `not a SHA-256 fingerprint: "${input}" (expected SHA256:AB:CD:... or 64 hex digits)`);
  }
  return body.replaceAll(":", "").toLowerCase();
}

/** True when `certPem`'s fingerprint equals `pinned` (any accepted form), compared in constant time. */
export function fingerprintMatches(certPem: string, pinned: string): boolean {
  const actual = Buffer.from(normalizeFingerprint(certificateFingerprint(certPem)), "hex");
  const expected = Buffer.from(normalizeFingerprint(pinned), "hex");
  return timingSafeEqual(actual, expected);
}
