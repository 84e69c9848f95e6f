// Hybrid encryption to one RSA key (a node's certificate key), in two parts,
// because an RSA private-key operation costs about a millisecond and a catalog
// may carry fifty secrets: one AES-256-GCM key per catalog, wrapped once to the
// public key with RSA-OAEP (SHA-256); each value sealed under that key with
// AES-256-GCM, its associated data (which secret, which version, for whom)
// bound into the tag. Only the private key's holder opens them; a changed byte,
// or a value presented as another, does not open.
import { constants, createCipheriv, createDecipheriv, privateDecrypt, publicEncrypt, randomBytes, type KeyObject } from "node:crypto";
import { AnclaError } from "../core/errors.js";
import { publicKeySha256 } from "./keys.js";

/** The catalog's value key, wrapped to one public key. */
export interface WrappedValueKey {
  alg: "RSA-OAEP-256";
  /** SHA-256 of the public key it is wrapped to (hex): which key opens it. */
  kid: string;
  /** Base64. */
  key: string;
}

/** One value under the catalog's value key (base64 fields). */
export interface SealedToKey {
  iv: string;
  ct: string;
  tag: string;
}

const OAEP = { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" } as const;

/** A fresh value key and its wrapping to `publicKey`; the caller zeroes `key` when done. */
export function newValueKey(publicKey: string | KeyObject): { key: Buffer; wrapped: WrappedValueKey } {
  const key = randomBytes(32);
  return { key, wrapped: { alg: "RSA-OAEP-256", kid: publicKeySha256(publicKey), key: publicEncrypt({ key: publicKey, ...OAEP }, key).toString("base64") } };
}

export function sealValue(key: Uint8Array, value: Uint8Array, aad: string): SealedToKey {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv).setAAD(Buffer.from(aad));
  const ct = Buffer.concat([cipher.update(value), cipher.final()]);
  return { iv: iv.toString("base64"), ct: ct.toString("base64"), tag: cipher.getAuthTag().toString("base64") };
}

/** The value key; ANCLA_E_SECRET_UNREADABLE when it is wrapped to another key or does not unwrap. */
export function openValueKey(privateKeyPem: string, wrapped: WrappedValueKey): Buffer {
  if (wrapped.alg !== "RSA-OAEP-256") throw new AnclaError("ANCLA_E_SECRET_UNREADABLE", `the catalog's secrets are wrapped with ${String(wrapped.alg)}, not RSA-OAEP-256`);
  if (wrapped.kid !== publicKeySha256(privateKeyPem)) {
    throw new AnclaError("ANCLA_E_SECRET_UNREADABLE", `the catalog's secrets are sealed to another key (${wrapped.kid.slice(0, 16)}…): this node's key changed since it was compiled`);
  }
  try {
    return privateDecrypt({ key: privateKeyPem, ...OAEP }, Buffer.from(wrapped.key, "base64"));
  } catch (err) {
    throw new AnclaError("ANCLA_E_SECRET_UNREADABLE", "the catalog's secrets key does not unwrap with this node's key", { cause: err });
  }
}

/** The value; ANCLA_E_SECRET_UNREADABLE naming `what` when it was altered or is presented as something else. */
export function openValue(key: Uint8Array, sealed: SealedToKey, aad: string, what: string): Buffer {
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(sealed.iv, "base64"), { authTagLength: 16 }).setAAD(Buffer.from(aad));
    decipher.setAuthTag(Buffer.from(sealed.tag, "base64"));
    return Buffer.concat([decipher.update(Buffer.from(sealed.ct, "base64")), decipher.final()]);
  } catch (err) {
    throw new AnclaError("ANCLA_E_SECRET_UNREADABLE", `${what} does not decrypt: it was altered, or sealed as something else`, { cause: err });
  }
}
