// RSA key pairs (node:crypto) and public-key fingerprints.
import { createHash, createPublicKey, generateKeyPairSync } from "node:crypto";

export interface KeyPair {
  privateKeyPem: string;
  publicKeyPem: string;
}

/** A new RSA key pair (PKCS#8 / SPKI PEM). 2048 bits unless told otherwise. */
export function generateKeyPair(bits = 2048): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", {
    modulusLength: bits,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

/** SHA-256 (lowercase hex) of the DER SubjectPublicKeyInfo of a public key, private key or certificate PEM. */
export function publicKeySha256(pem: string): string {
  // createPublicKey derives the public half from a private key and extracts it from a certificate.
  const spki = createPublicKey(pem).export({ type: "spki", format: "der" });
  return createHash("sha256").update(spki).digest("hex");
}
