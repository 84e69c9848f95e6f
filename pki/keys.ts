// RSA key pairs (node:crypto) and public-key fingerprints.
import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";

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

/** SHA-256 (lowercase hex) of the DER SubjectPublicKeyInfo of a public key (PEM or object), private key or certificate PEM. */
export function publicKeySha256(key: string | KeyObject): string {
  // createPublicKey derives the public half from a private key and extracts it from a certificate.
  const publicKey = typeof key === "string" ? createPublicKey(key) : key;
  const spki = publicKey.export({ type: "spki", format: "der" });
  return createHash("sha256").update(spki).digest("hex");
}
