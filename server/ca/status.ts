// How a certificate row is shown (API `status`, `ancla cert list`, dashboard):
// the stored state, told apart where an operator must see the difference.
import type { CertificateState } from "../store/store.js";

export type CertificateStatus = "pending" | "pending renewal" | "signed" | "expired" | "revoked" | "rejected";

/** A signed certificate past its notAfter is "expired"; a waiting request from an expired certificate's key is a "pending renewal". */
export function certificateStatus(c: { state: CertificateState; renewalOf?: string; notAfter?: Date }, now: Date): CertificateStatus {
  if (c.state === "pending") return c.renewalOf ? "pending renewal" : "pending";
  if (c.state === "signed" && c.notAfter && c.notAfter <= now) return "expired";
  return c.state;
}
