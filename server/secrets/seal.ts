// Envelope encryption of one secret version: the value under AES-256-GCM with
// a data key of its own, the data key wrapped by the KMS. The secret's name and
// version are the associated data, so a ciphertext copied onto another secret's
// row, or an older version put back in place of a newer one, does not decrypt.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { AnclaError } from "../../core/errors.js";
import type { SealedValue } from "../store/secrets.js";
import type { Kms } from "./kms.js";

const aad = (name: string, version: number): Buffer => Buffer.from(`ancla-secret:${name}:${version}`);

export async function seal(kms: Kms, name: string, version: number, value: Uint8Array): Promise<SealedValue> {
  const dataKey = randomBytes(32);
  try {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", dataKey, iv).setAAD(aad(name, version));
    const ciphertext = Buffer.concat([cipher.update(value), cipher.final()]);
    const { kekVersion, wrapped } = await kms.wrap(dataKey);
    return { kekVersion, wrappedKey: wrapped, iv, ciphertext, tag: cipher.getAuthTag() };
  } finally {
    dataKey.fill(0);
  }
}

/** The value; ANCLA_E_SECRET_UNREADABLE, naming the secret, when anything of it was altered. */
export async function unseal(kms: Kms, name: string, version: number, sealed: SealedValue): Promise<Buffer> {
  const refuse = (why: string, cause: unknown) => new AnclaError("ANCLA_E_SECRET_UNREADABLE", `secret "${name}" version ${version} does not decrypt: ${why}`, { cause });
  let dataKey: Buffer;
  try {
    dataKey = Buffer.from(await kms.unwrap({ kekVersion: sealed.kekVersion, wrapped: sealed.wrappedKey }));
  } catch (err) {
    if (err instanceof AnclaError && err.code === "ANCLA_E_SECRET_UNREADABLE") throw refuse("its wrapped data key does not authenticate", err);
    throw err;
  }
  try {
    const decipher = createDecipheriv("aes-256-gcm", dataKey, sealed.iv, { authTagLength: 16 }).setAAD(aad(name, version));
    decipher.setAuthTag(sealed.tag);
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
  } catch (err) {
    throw refuse("its ciphertext does not authenticate", err);
  } finally {
    dataKey.fill(0);
  }
}
