// Release retention: the newest releases are kept, and every release a node
// or a rollout still references (a node's current catalog, an environment's
// stable release, both ends of a rollout that has not ended), whatever its
// age; the others are deleted with their laid-out trees, and then the files
// no kept release lists.
import { readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Store } from "../store/store.js";
import type { ReleaseTrees } from "./tree.js";

export const DEFAULT_KEEP_RELEASES = 20;
/** A file this young may belong to a release being kept right now (its row is written after its files). */
const YOUNG_BLOB_MS = 3_600_000;

export interface ReleaseRetentionDeps {
  store: Pick<Store, "releases" | "catalogs">;
  /** What the rollouts reference (RolloutController.referencedReleases). */
  referenced(): string[];
  /** The releases' content store directory (<data-dir>/releases). */
  blobsDir: string;
  trees: ReleaseTrees;
  /** Told each pruned version (ReleaseService.forget). */
  onPruned?(version: string): void;
  keep?: number;
  now?: () => Date;
}

export async function pruneReleases(deps: ReleaseRetentionDeps): Promise<{ releases: number; files: number }> {
  const releases = await deps.store.releases.listReleases();
  const keep = new Set([...releases.slice(0, deps.keep ?? DEFAULT_KEEP_RELEASES).map((r) => r.version), ...(await deps.store.catalogs.releaseVersionsInUse()), ...deps.referenced()]);
  let pruned = 0;
  for (const r of releases) {
    if (keep.has(r.version) || !(await deps.store.releases.deleteRelease(r.version))) continue;
    await deps.trees.remove(r.version);
    deps.onPruned?.(r.version);
    pruned++;
  }
  if (pruned === 0) return { releases: 0, files: 0 };
  return { releases: pruned, files: await removeUnlisted(deps, keep) };
}

/** Deletes the stored files no kept release lists (older than YOUNG_BLOB_MS). */
async function removeUnlisted(deps: ReleaseRetentionDeps, kept: Set<string>): Promise<number> {
  const listed = new Set<string>();
  for (const version of kept) for (const f of (await deps.store.releases.getRelease(version))?.manifest ?? []) listed.add(f.sha256);
  const youngerThan = (deps.now?.() ?? new Date()).getTime() - YOUNG_BLOB_MS;
  let removed = 0;
  for (const prefix of await readdir(deps.blobsDir).catch(() => [] as string[])) {
    for (const name of await readdir(join(deps.blobsDir, prefix)).catch(() => [] as string[])) {
      const sha256 = name.split(".")[0];
      if (listed.has(sha256)) continue;
      const file = join(deps.blobsDir, prefix, name);
      if ((await stat(file)).mtimeMs > youngerThan) continue;
      await rm(file, { force: true });
      removed++;
    }
  }
  return removed;
}
