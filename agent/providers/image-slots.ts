// The tree under an image's path: path/slots/<first 12 hex of the digest>/ per
// image, and path/current, a relative symlink to the live slot, replaced by
// renaming a new link over it (readers see the old slot or the new one, never
// neither). Old slots are pruned to `keep`.
import { lstat, readdir, readlink, rename, rm, symlink, unlink } from "node:fs/promises";
import { join } from "node:path";
import { fsyncPath, tempPathFor } from "../state/atomic-write.js";
import { ResourceFailure } from "./provider.js";
import { STAGING_PREFIX } from "./image-unpack.js";

export function slotName(digest: string): string {
  return digest.slice(0, 12);
}

export function slotsDir(path: string): string {
  return join(path, "slots");
}

/** The slot `current` names (its directory name), undefined when there is no link. */
export async function currentSlot(path: string): Promise<string | undefined> {
  const link = join(path, "current");
  const st = await lstat(link).catch(() => undefined);
  if (!st) return undefined;
  if (!st.isSymbolicLink()) throw new ResourceFailure("path", `${link} exists and is not a symlink; the image resource manages it (move it away first)`);
  const target = await readlink(link);
  const m = /^slots\/([0-9a-f]{12})$/.exec(target);
  // A link someone else made is replaced like a drifted one; its target is only reported.
  return m ? m[1] : `(${target})`;
}

export async function slotExists(path: string, digest: string): Promise<boolean> {
  return lstat(join(slotsDir(path), slotName(digest))).then(
    (st) => st.isDirectory(),
    () => false,
  );
}

/** Points `current` at the slot of `digest`, or removes it (undefined: nothing was live before). */
export async function switchCurrent(path: string, digest: string | undefined): Promise<void> {
  const link = join(path, "current");
  if (digest === undefined) {
    await unlink(link).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== "ENOENT") throw err;
    });
  } else {
    const temp = tempPathFor(link);
    await symlink(`slots/${slotName(digest)}`, temp);
    try {
      await rename(temp, link);
    } catch (err) {
      await unlink(temp).catch(() => undefined);
      throw err;
    }
  }
  fsyncPath(path);
}

/**
 * Removes slots beyond the newest `keep` of `history` (activation order),
 * never one in `protect` (current, previous, the one a switch may return to),
 * and staging leftovers of killed runs. Returns the slot names removed.
 */
export async function pruneSlots(path: string, history: readonly string[], keep: number, protect: readonly (string | undefined)[]): Promise<string[]> {
  const kept = new Set([...history.slice(-keep), ...protect].filter((d): d is string => d !== undefined).map(slotName));
  const dir = slotsDir(path);
  const names = await readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    const stale = name.startsWith(STAGING_PREFIX) || (/^[0-9a-f]{12}$/.test(name) && !kept.has(name));
    if (!stale) continue;
    await rm(join(dir, name), { recursive: true, force: true });
    if (!name.startsWith(STAGING_PREFIX)) removed.push(name);
  }
  if (names.length > 0) fsyncPath(dir);
  return removed;
}
