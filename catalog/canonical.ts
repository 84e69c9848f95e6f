// Canonical JSON: object keys sorted, no insignificant whitespace, so the same
// value always gives the same bytes and therefore the same digest.
import { hash } from "node:crypto";
import type { CatalogBody, JsonValue } from "./model.js";

export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const out: { [key: string]: unknown } = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as { [key: string]: unknown })[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** One-shot (crypto.hash): several times cheaper than a Hash object for the small inputs hashed per resource. */
export function sha256Hex(data: string | Uint8Array): string {
  return hash("sha256", data, "hex");
}

/** The content digest of a catalog body: what agents send as `have_digest`. Absent parts are left out, so older catalogs keep theirs. */
export function bodyDigest(body: CatalogBody): string {
  const { certname, siteVersion, resources, edges, probes, secrets } = body;
  return sha256Hex(canonicalJson({ certname, siteVersion, resources, edges, probes, secrets } satisfies CatalogBody as unknown as JsonValue));
}
