// RSA key pairs (node:crypto) and public-key fingerprints.
export interface KeyPair {
  privateKeyPem: string;
  publicKeyPem: string;
}

/** A new RSA key pair (PKCS#8 / SPKI PEM). 2048 bits unless told otherwise. */
export function generateKeyPair(bits = 2048): KeyPair {
  throw new Error("todo");
}

/** SHA-256 (lowercase hex) of the DER SubjectPublicKeyInfo of a public key, private key or certificate PEM. */
export function publicKeySha256(pem: string): string {
  throw new Error("todo");
}
