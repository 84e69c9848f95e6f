// Bearer secrets (bootstrap and operator tokens). Only their SHA-256 is stored,
// so a copy of the database does not hand out working tokens; lookups go by
// the hash, which needs no constant-time compare of the secret itself.
import { createHash, randomBytes } from "node:crypto";

/**
 * A prefix plus 32 random bytes in base64url: safe in a URL, a header and a
 * shell. The prefix keeps a secret from starting with "-" (which command-line
 * parsers take for a flag) and lets secret scanners recognise leaked tokens.
 */
export function newSecret(kind: "bootstrap" | "api"): string {
  return `ancla_${kind === "bootstrap" ? "bt" : "at"}_${randomBytes(32).toString("base64url")}`;
}

/** A short public id for a token, shown in listings and the audit log. */
export function newTokenId(): string {
  return randomBytes(6).toString("hex");
}

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}
