// What the file provider's checks share: a plan (the changes, and the action
// that makes them, run only when applying), the desired attributes with names
// resolved to ids, and how owner/group differences are reported and set.
import { chown, lchown } from "node:fs/promises";
import { dirname } from "node:path";
import type { ContentBucket } from "../state/bucket.js";
import { formatMode } from "./file-spec.js";
import type { Observed } from "./file-observe.js";
import { describeId, type IdTable } from "./ids.js";
import { ResourceFailure, type PropertyChange } from "./provider.js";

export interface Plan {
  changes: PropertyChange[];
  apply(): Promise<void>;
}

export interface Account {
  id: number;
  /** As the catalog spelled it: reports show the actual value the same way. */
  desired: string | number;
  table: IdTable;
}

/** Mode, owner and group as desired, with names resolved to ids. */
export interface Attributes {
  mode?: number;
  owner?: Account;
  group?: Account;
}

/** Where replaced and removed contents are kept; undefined when nothing is kept (no bucket, or a sensitive resource). */
export type Keeper = ContentBucket | undefined;

export function attributeChanges(actual: Observed, attrs: Attributes): PropertyChange[] {
  const changes: PropertyChange[] = [];
  if (attrs.mode !== undefined && attrs.mode !== actual.mode) {
    changes.push({ property: "mode", desired: formatMode(attrs.mode), actual: formatMode(actual.mode) });
  }
  for (const [property, acct, id] of [["owner", attrs.owner, actual.uid], ["group", attrs.group, actual.gid]] as const) {
    if (acct && acct.id !== id) changes.push({ property, desired: acct.desired, actual: describeId(acct.table, id, acct.desired) });
  }
  return changes;
}

/** Sets owner and/or group; `link`: of a symlink itself, never of what it points to. */
export async function setOwnership(path: string, uid: number | undefined, gid: number | undefined, link = false): Promise<void> {
  if (uid === undefined && gid === undefined) return;
  await (link ? lchown : chown)(path, uid ?? -1, gid ?? -1);
}

/** The ids to set so that `actual` gets the managed owner and group (undefined: already right, or unmanaged). */
export function ownershipToFix(actual: Observed, attrs: Attributes): { uid?: number; gid?: number } {
  return {
    uid: attrs.owner && attrs.owner.id !== actual.uid ? attrs.owner.id : undefined,
    gid: attrs.group && attrs.group.id !== actual.gid ? attrs.group.id : undefined,
  };
}

/** Puppet does not create missing parents, and neither do we; say so instead of a bare ENOENT. */
export async function withParentHint<T>(path: string, create: () => Promise<T>): Promise<T> {
  try {
    return await create();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "ENOTDIR") throw err;
    throw new ResourceFailure(
      "ensure",
      `cannot create ${path}: its parent directory ${dirname(path)} does not exist or is not a directory; manage the parent in the catalog`,
      "ANCLA_E_RESOURCE_FAILED",
      { cause: err },
    );
  }
}

/** Keeps the file at `path` in the bucket before it goes; a bucket that cannot take it stops the change. */
export async function keepOld(keeper: Keeper, path: string, data?: Uint8Array): Promise<void> {
  if (!keeper) return;
  try {
    await (data ? keeper.keep(data) : keeper.keepFile(path));
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new ResourceFailure("content", `could not keep the old content of ${path} in ${keeper.dir} before replacing it: ${why}`, "ANCLA_E_IO", { cause: err });
  }
}

export function noChanges(): Plan {
  return { changes: [], apply: async () => undefined };
}

/** One plan doing `first`'s changes, then `second`'s. */
export function bothPlans(first: Plan, second: Plan): Plan {
  return {
    changes: [...first.changes, ...second.changes],
    async apply() {
      await first.apply();
      await second.apply();
    },
  };
}
