// Certificate signing requests: the agent makes one, the server verifies it.
import forge from "node-forge";
import { AnclaError } from "../core/errors.js";
import { publicKeySha256 } from "./keys.js";

const CERTNAME = /^[a-z0-9][a-z0-9._-]{0,252}$/;
/**
 * Largest CSR accepted, in characters of PEM. An agent's (RSA 2048, one CN) is
 * about 1 KiB; anyone may submit one unauthenticated, so the parser and the
 * database never see more than this.
 */
export const MAX_CSR_PEM_CHARS = 16 * 1024;
const CERTNAME_RULE = "lowercase letters, digits, '.', '_' and '-', starting with a letter or digit, at most 253 characters";

/** A PKCS#10 CSR for `certname` (subject CN), signed with `privateKeyPem`. Throws AnclaError(ANCLA_E_USAGE) for an invalid certname. */
export function createCsr(privateKeyPem: string, certname: string): string {
  // Fail on the agent, where the operator can fix it, not later on the server.
  if (!isValidCertname(certname)) throw new AnclaError("ANCLA_E_USAGE", `invalid certname "${certname}": ${CERTNAME_RULE}`);
  const key = forge.pki.privateKeyFromPem(privateKeyPem) as forge.pki.rsa.PrivateKey;
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  csr.setSubject([{ name: "commonName", value: certname }]);
  csr.sign(key, forge.md.sha256.create());
  return forge.pki.certificationRequestToPem(csr);
}

export interface VerifiedCsr {
  certname: string;
  publicKeyPem: string;
  /** publicKeySha256 of the requested key. */
  publicKeySha256: string;
}

/** Parses and verifies the CSR's self-signature and the certname's syntax; throws AnclaError(ANCLA_E_CSR_INVALID) with the reason. */
export function verifyCsr(csrPem: string): VerifiedCsr {
  if (csrPem.length > MAX_CSR_PEM_CHARS) throw new AnclaError("ANCLA_E_CSR_INVALID", `the CSR is ${csrPem.length} characters; at most ${MAX_CSR_PEM_CHARS} are accepted`);
  const csr = parseCsr(csrPem);
  if (!safeVerify(csr)) throw new AnclaError("ANCLA_E_CSR_INVALID", "the CSR's self-signature does not verify");
  const cn = csr.subject.getField("CN") as { value?: unknown } | null;
  if (typeof cn?.value !== "string") throw new AnclaError("ANCLA_E_CSR_INVALID", "the CSR has no subject CN");
  if (!isValidCertname(cn.value)) throw new AnclaError("ANCLA_E_CSR_INVALID", `invalid certname "${cn.value}": ${CERTNAME_RULE}`);
  const publicKeyPem = forge.pki.publicKeyToPem(csr.publicKey as forge.pki.rsa.PublicKey);
  return { certname: cn.value, publicKeyPem, publicKeySha256: publicKeySha256(publicKeyPem) };
}

/** Certnames are lowercase DNS-like names: [a-z0-9] then [a-z0-9._-], at most 253 chars. */
export function isValidCertname(name: string): boolean {
  return CERTNAME.test(name);
}

function parseCsr(csrPem: string): forge.pki.CertificateSigningRequest {
  try {
    return forge.pki.certificationRequestFromPem(csrPem);
  } catch (err) {
    throw new AnclaError("ANCLA_E_CSR_INVALID", `the CSR cannot be parsed: ${(err as Error).message}`, { cause: err });
  }
}

// forge throws rather than returning false for some corruptions (e.g. a signature of the wrong length).
function safeVerify(csr: forge.pki.CertificateSigningRequest): boolean {
  try {
    return csr.verify();
  } catch {
    return false;
  }
}
