// Drift classification. The agent remembers, per resource, the digest of the
// desired state it last saw the host in sync with. A change is corrective (drift)
// when the desired state is the remembered one, so the host moved under it;
// otherwise the catalog moved and the change is intentional. An exec is never
// drift (Puppet's model): it runs because its guards say so, or because it has
// none, never because someone moved the host under it; its run is a change.
import { canonicalJson, sha256Hex } from "../../catalog/canonical.js";
import { resourceRef, type Resource } from "../../catalog/model.js";

/** Resource ref ("type:title") → sha256 (hex) of its desired properties at the last run it ended in sync. */
export type DesiredMemory = Readonly<Record<string, string>>;

export function desiredDigest(resource: Resource): string {
  return sha256Hex(canonicalJson(resource.properties));
}

/** Types whose changes are actions taken, not state restored: never corrective. */
const ACTIONS: ReadonlySet<string> = new Set(["exec"]);

export function isCorrective(memory: DesiredMemory, resource: Resource, digest: string): boolean {
  if (ACTIONS.has(resource.type)) return false;
  const ref = resourceRef(resource);
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
