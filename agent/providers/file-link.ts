// ensure "link": a symlink to `target`, made or replaced atomically (a new link
// beside it, renamed over), as Puppet does: a file or a special file in the way
// is replaced (a regular file's content kept in the bucket first), a directory
// never (no `force`). Owner and group are those of the link itself.
import { readlinkSync } from "node:fs";
import { rename, symlink, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import { fsyncPath, tempPathFor } from "../state/atomic-write.js";
import type { Observed } from "./file-observe.js";
import { attributeChanges, keepOld, ownershipToFix, setOwnership, withParentHint, type Attributes, type Keeper, type Plan } from "./file-plan.js";
import { ResourceFailure } from "./provider.js";

export function planLink(path: string, target: string, actual: Observed, attrs: Attributes, keeper: Keeper): Plan {
  if (actual.kind === "directory") {
    throw new ResourceFailure("ensure", `${path} is a directory; ensure "link" does not replace a directory (remove it first, e.g. with ensure "absent")`);
  }
  if (actual.kind !== "link") {
    return {
      changes: [{ property: "ensure", desired: "link", actual: actual.kind }],
      async apply() {
        if (actual.kind === "file") await keepOld(keeper, path);
        await replaceLink(path, target, attrs.owner?.id, attrs.group?.id);
      },
    };
  }
  const current = readlinkSync(path);
  const ownership = attributeChanges(actual, attrs);
  if (current === target) {
    const { uid, gid } = ownershipToFix(actual, attrs);
    return { changes: ownership, apply: () => setOwnership(path, uid, gid, true) };
  }
  return {
    changes: [{ property: "target", desired: target, actual: current }, ...ownership],
    // The new link takes the managed owner and group, or else the old link's.
    apply: () => replaceLink(path, target, attrs.owner?.id ?? actual.uid, attrs.group?.id ?? actual.gid),
  };
}

async function replaceLink(path: string, target: string, uid: number | undefined, gid: number | undefined): Promise<void> {
  const dir = dirname(path);
  const temp = tempPathFor(path);
  await withParentHint(path, () => symlink(target, temp));
  try {
    await setOwnership(temp, uid, gid, true);
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  fsyncPath(dir);
}
