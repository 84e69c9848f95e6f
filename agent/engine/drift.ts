// Drift classification. The agent remembers, per resource, the digest of the
// desired state it last saw the host in sync with. A change is corrective (drift)
// when the desired state is the remembered one, so the host moved under it;
// otherwise the catalog moved and the change is intentional.
import { canonicalJson, sha256Hex } from "../../catalog/canonical.js";
import type { Resource } from "../../catalog/model.js";

/** Resource ref ("type:title") → sha256 (hex) of its desired properties at the last run it ended in sync. */
export type DesiredMemory = Readonly<Record<string, string>>;

export function desiredDigest(resource: Resource): string {
  return sha256Hex(canonicalJson(resource.properties));
}

export function isCorrective(memory: DesiredMemory, ref: string, digest: string): boolean {
  return Object.hasOwn(memory, ref) && memory[ref] === digest;
}

/**
 * The memory after a run: resources that ended in sync take their new digest,
 * others keep what they had, and resources no longer in the catalog are dropped.
 */
export function nextMemory(previous: DesiredMemory, catalogRefs: Iterable<string>, inSync: ReadonlyMap<string, string>): DesiredMemory {
  const next: Record<string, string> = {};
  for (const ref of catalogRefs) {
    const digest = inSync.get(ref) ?? (Object.hasOwn(previous, ref) ? previous[ref] : undefined);
    if (digest !== undefined) next[ref] = digest;
  }
  return next;
}
