// Certificate signing requests: the agent makes one, the server verifies it.

/** A PKCS#10 CSR for `certname` (subject CN), signed with `privateKeyPem`. */
export function createCsr(privateKeyPem: string, certname: string): string {
  throw new Error("todo");
}

export interface VerifiedCsr {
  certname: string;
  publicKeyPem: string;
  /** publicKeySha256 of the requested key. */
  publicKeySha256: string;
}

/** Parses and verifies the CSR's self-signature and the certname's syntax; throws AnclaError(ANCLA_E_CSR_INVALID) with the reason. */
export function verifyCsr(csrPem: string): VerifiedCsr {
  throw new Error("todo");
}

/** Certnames are lowercase DNS-like names: [a-z0-9] then [a-z0-9._-], at most 253 chars. */
export function isValidCertname(name: string): boolean {
  throw new Error("todo");
}
