// What the file provider's checks share: a plan (the changes, and the action
// that makes them, run only when applying), the desired attributes with names
// resolved to ids, and how owner/group differences are reported and set.
import { chown, lchown } from "node:fs/promises";
import { dirname } from "node:path";
import type { Resource } from "../../catalog/model.js";
import { LogLevel } from "../../proto/gen/ancla/v1/agent_pb.js";
import type { ContentBucket } from "../state/bucket.js";
import { errnoOf, ioError } from "../state/io-error.js";
import { formatMode } from "./file-spec.js";
import type { Observed } from "./file-observe.js";
import { describeId, type IdTable } from "./ids.js";
import { ResourceFailure, type PropertyChange, type ProviderContext } from "./provider.js";

export interface Plan {
  changes: PropertyChange[];
  apply(): Promise<void>;
}

export interface Account {
  /** Undefined while pending: a user or group a noop run would create first (ProviderContext.pending). */
  id?: number;
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

/**
 * Where replaced and removed contents are kept, and where it is said when they
 * could not be; undefined when nothing is kept (no bucket, or a sensitive resource).
 */
export type Keeper = { bucket: ContentBucket; warn(message: string): void } | undefined;

/** The keeper of a resource's old contents: the run's bucket, warning in the run's log under the resource. */
export function keeperFor(resource: Resource, ctx: ProviderContext): Keeper {
  // Kept contents are readable on the host's disk: never those of a sensitive resource.
  if (resource.sensitive === true || !ctx.bucket) return undefined;
  return { bucket: ctx.bucket, warn: (message) => ctx.log?.(LogLevel.WARNING, message) };
}

export function attributeChanges(actual: Observed, attrs: Attributes): PropertyChange[] {
  const changes: PropertyChange[] = [];
  if (attrs.mode !== undefined && attrs.mode !== actual.mode) {
    changes.push({ property: "mode", desired: formatMode(attrs.mode), actual: formatMode(actual.mode) });
  }
  for (const [property, acct, id] of [
    ["owner", attrs.owner, actual.uid],
    ["group", attrs.group, actual.gid],
  ] as const) {
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
    const code = errnoOf(err);
    if (code !== "ENOENT" && code !== "ENOTDIR") throw err;
    throw new ResourceFailure(
      "ensure",
      `cannot create ${path}: its parent directory ${dirname(path)} does not exist or is not a directory; manage the parent in the catalog`,
      "ANCLA_E_RESOURCE_FAILED",
      { cause: err },
    );
  }
}

/**
 * Keeps the file at `path` in the bucket before it goes. The bucket is history,
 * not state: when it cannot take the content (a full disk), the change goes on
 * and the run's log says what was not kept.
 */
export async function keepOld(keeper: Keeper, path: string, data?: Uint8Array): Promise<void> {
  if (!keeper) return;
  try {
    await (data ? keeper.bucket.keep(data) : keeper.bucket.keepFile(path));
  } catch (err) {
    keeper.warn(ioError(`the old content of ${path} was not kept in ${keeper.bucket.dir}`, err).line);
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
