// The CA fingerprint agents pin: SHA-256 of the CA certificate's DER.

/** "SHA256:AB:CD:..." (uppercase hex pairs), the form `ancla-server init` prints. */
export function certificateFingerprint(certPem: string): string {
  throw new Error("todo");
}

/** Accepts "SHA256:AB:CD..", "ab:cd..", or plain hex; returns 64 lowercase hex chars or throws AnclaError(ANCLA_E_USAGE). */
export function normalizeFingerprint(input: string): string {
  throw new Error("todo");
}

/** True when `certPem`'s fingerprint equals `pinned` (any accepted form), compared in constant time. */
export function fingerprintMatches(certPem: string, pinned: string): boolean {
  throw new Error("todo");
}
