// The CA's revocation list as the agent last received it with a check-in. It
// lists revoked agent certificates and, what matters here, a catalog-signing
// certificate revoked by `ancla-server signing-key rotate`: a catalog signed
// by it is refused, from the wire and from the cache alike. A list is only
// replaced by a newer one of the same CA, so an old list cannot be replayed to
// un-revoke a key.
import { createHash } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { readCrl } from "../../pki/crl-read.js";
import { writeFileAtomic } from "./atomic-write.js";
import type { StateLayout } from "./layout.js";

export interface HeldRevocations {
  /** Revoked serials, lowercase hex. */
  serials: Set<string>;
  thisUpdate: Date;
  /** SHA-256 (hex) of the DER, sent with each check-in so the server sends only a newer list. */
  sha256: string;
}

export const NO_REVOCATIONS: HeldRevocations = { serials: new Set(), thisUpdate: new Date(0), sha256: "" };

/** The held list, verified with the CA; none when there is no file or it does not verify (the server sends it again). */
export async function loadRevocations(layout: StateLayout, caCertPem: string): Promise<HeldRevocations> {
  let der: Buffer;
  try {
    der = await readFile(layout.crl);
  } catch {
    return NO_REVOCATIONS;
  }
  try {
    return held(der, caCertPem);
  } catch {
    return NO_REVOCATIONS;
  }
}

/**
 * The list the server sent when it is this CA's and newer than the one held
 * (kept on disk), else the one held. Throws AnclaError(ANCLA_E_CERT_INVALID)
 * when it does not verify.
 */
export async function acceptRevocations(layout: StateLayout, caCertPem: string, current: HeldRevocations, der: Uint8Array): Promise<HeldRevocations> {
  const received = held(der, caCertPem);
  if (received.thisUpdate <= current.thisUpdate) return current;
  await mkdir(dirname(layout.crl), { recursive: true });
  await writeFileAtomic(layout.crl, der, { mode: 0o644 });
  return received;
}

function held(der: Uint8Array, caCertPem: string): HeldRevocations {
  const { serials, thisUpdate } = readCrl(der, caCertPem);
  return { serials, thisUpdate, sha256: createHash("sha256").update(der).digest("hex") };
}
