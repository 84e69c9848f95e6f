// Bearer secrets (bootstrap and operator tokens). Only their SHA-256 is stored,
// so a copy of the database does not hand out working tokens; lookups go by
// the hash, which needs no constant-time compare of the secret itself.
import { createHash, randomBytes } from "node:crypto";

/** 32 random bytes, base64url: safe in a URL, a header and a shell. */
export function newSecret(): string {
  return randomBytes(32).toString("base64url");
}

/** A short public id for a token, shown in listings and the audit log. */
export function newTokenId(): string {
  return randomBytes(6).toString("hex");
}

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}
