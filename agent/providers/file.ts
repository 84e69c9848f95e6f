// The `file` provider: regular files (inline or by-digest content), directories
// (optionally purged of what the catalog does not manage), symlinks and
// absence, with mode, owner and group. Every check builds a plan (the changes
// plus the action that makes them); apply runs the action, noop doesn't.
import { chmodSync, mkdirSync } from "node:fs";
import { rmdir, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import { sha256Hex } from "../../catalog/canonical.js";
import { resourceRef, type Resource } from "../../catalog/model.js";
import { LogLevel } from "../../proto/gen/ancla/v1/agent_pb.js";
import { fsyncPath, writeFileAtomic } from "../state/atomic-write.js";
import { contentDiff } from "./file-diff.js";
import { planLink } from "./file-link.js";
import { isEmptyDirectory, observe, readDigest, type Observed } from "./file-observe.js";
import { attributeChanges, bothPlans, keepOld, keeperFor, noChanges, ownershipToFix, setOwnership, withParentHint, type Account, type Attributes, type Keeper, type Plan } from "./file-plan.js";
import { managedPaths, planPurge, type ManagedPaths } from "./file-purge.js";
import { parseFileSpec, type FileSpec } from "./file-spec.js";
import { ID_SOURCES, loadIdTable, resolveId, type IdKind } from "./ids.js";
import { ResourceFailure, type PropertyChange, type Provider, type ProviderContext } from "./provider.js";

/** The file provider for a run; `managed` (the catalog's file paths) is known once prepared, and only needed to purge. */
function fileProviderFor(managed?: ManagedPaths): Provider {
  return {
    async checkApply(resource: Resource, apply: boolean, ctx: ProviderContext) {
      const spec = parseFileSpec(resource);
      const keeper = keeperFor(resource, ctx);
      const plan = await planFor(spec, { ctx, keeper, managed });
      const applied = apply && plan.changes.length > 0;
      if (applied) await plan.apply();
      return { changes: plan.changes, applied };
    },

    // Only a catalog that purges pays for the set of managed paths.
    async prepare(resources: readonly Resource[]) {
      return resources.some((r) => r.properties.purge === true) ? fileProviderFor(managedPaths(resources)) : fileProvider;
    },

    // A purge lists the directory: staged temp files must be in place (or gone) by then.
    stagesWrites: (resource: Resource) => resource.properties.purge !== true,

    // As in Puppet: a file requires its nearest managed ancestor directory, and its owner and group when managed.
    autorequire(resource: Resource, isManaged: (ref: string) => boolean): string[] {
      const { owner, group } = resource.properties;
      const accounts = [typeof owner === "string" ? `user:${owner}` : "", typeof group === "string" ? `group:${group}` : ""];
      return [managedParent(resource.title, isManaged), ...accounts].filter((ref): ref is string => !!ref && isManaged(ref));
    },
  };
}

export const fileProvider: Provider = fileProviderFor();

interface PlanContext {
  ctx: ProviderContext;
  keeper: Keeper;
  managed?: ManagedPaths;
}

function managedParent(path: string, isManaged: (ref: string) => boolean): string | undefined {
  if (!path.startsWith("/") || path === "/") return undefined;
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const ref = resourceRef({ type: "file", title: dir });
    if (isManaged(ref)) return ref;
    if (dir === "/") return undefined;
  }
}

async function planFor(spec: FileSpec, pc: PlanContext): Promise<Plan> {
  const actual = await observe(spec.path);
  if (spec.ensure === "absent") return planAbsent(spec.path, actual, pc.keeper, pc.ctx);
  const attrs: Attributes = {
    mode: spec.mode,
    owner: await account("user", spec.owner, pc.ctx),
    group: await account("group", spec.group, pc.ctx),
  };
  switch (spec.ensure) {
    case "directory":
      return planDirectory(spec, actual, attrs, pc);
    case "link":
      return planLink(spec.path, spec.target!, actual, attrs, pc.keeper);
    default:
      return planFile(spec, actual, attrs, pc);
  }
}

async function planAbsent(path: string, actual: Observed, keeper: Keeper, ctx: ProviderContext): Promise<Plan> {
  if (actual.kind === "absent") return noChanges();
  if (actual.kind === "directory" && !(await isEmptyDirectory(path))) {
    throw new ResourceFailure("ensure", `${path} is a directory that is not empty; ensure "absent" removes only files, links and empty directories`);
  }
  return {
    changes: [{ property: "ensure", desired: "absent", actual: actual.kind }],
    async apply() {
      if (actual.kind === "file") await keepOld(keeper, path);
      await (actual.kind === "directory" ? rmdir(path) : unlink(path));
      await entryChanged(dirname(path), ctx);
    },
  };
}

function planDirectory(spec: FileSpec, actual: Observed, attrs: Attributes, pc: PlanContext): Plan {
  const { path } = spec;
  if (actual.kind === "directory") {
    const own = planAttributes(path, actual, attrs);
    return spec.purge ? bothPlans(own, planPurge(path, requireManaged(pc, path), pc.keeper)) : own;
  }
  if (actual.kind !== "absent") {
    throw new ResourceFailure("ensure", `${path} exists as a ${actual.kind}; ensure "directory" does not replace it (remove it first)`);
  }
  // A directory made now is empty: nothing to purge.
  return {
    changes: [{ property: "ensure", desired: "directory", actual: "absent" }],
    async apply() {
      await withParentHint(path, async () => mkdirSync(path, 0o700));
      // Owner first: chown clears setuid/setgid bits that chmod then sets.
      await setOwnership(path, attrs.owner?.id, attrs.group?.id);
      chmodSync(path, attrs.mode ?? 0o755);
      await entryChanged(dirname(path), pc.ctx);
    },
  };
}

/** The engine prepares every provider before a run; without the managed set a purge would remove managed files. */
function requireManaged(pc: PlanContext, path: string): ManagedPaths {
  if (pc.managed) return pc.managed;
  throw new ResourceFailure("purge", `cannot purge ${path}: the file provider was not prepared with the catalog's managed paths`);
}

async function planFile(spec: FileSpec, actual: Observed, attrs: Attributes, pc: PlanContext): Promise<Plan> {
  const { path } = spec;
  if (actual.kind === "directory" || actual.kind === "other") {
    const what = actual.kind === "directory" ? "a directory" : "a special file (socket, fifo or device)";
    throw new ResourceFailure("ensure", `${path} is ${what}; ensure "file" does not replace it (remove it first)`);
  }
  if (actual.kind !== "file") {
    // Absent, or a symlink: a link is replaced by a file, never written through.
    return {
      changes: [{ property: "ensure", desired: "file", actual: actual.kind }],
      apply: async () => writeContent(spec, attrs, undefined, await desiredBytes(spec, pc.ctx), pc.ctx),
    };
  }
  if (!spec.content) return planAttributes(path, actual, attrs);
  const old = await readDigest(path);
  if (old.sha256 === spec.content.sha256) return planAttributes(path, actual, attrs);
  const inline = spec.content.inline;
  const content: PropertyChange = { property: "content", desired: `sha256:${spec.content.sha256}`, actual: `sha256:${old.sha256}` };
  // Noop never fetches content (the digest is enough to compare): content by digest gets its diff once fetched to be written.
  if (inline) content.diff = contentDiff(path, old.bytes, inline);
  return {
    changes: [content, ...attributeChanges(actual, attrs)],
    async apply() {
      const data = await desiredBytes(spec, pc.ctx);
      content.diff ??= contentDiff(path, old.bytes, data);
      await keepOld(pc.keeper, path, old.bytes);
      // Mode and owner ride along on the temp file, so the new content never appears with the wrong ones.
      await writeContent(spec, attrs, actual, data, pc.ctx);
    },
  };
}

function planAttributes(path: string, actual: Observed, attrs: Attributes): Plan {
  const changes = attributeChanges(actual, attrs);
  return {
    changes,
    async apply() {
      const { uid, gid } = ownershipToFix(actual, attrs);
      await setOwnership(path, uid, gid);
      if (attrs.mode !== undefined) chmodSync(path, attrs.mode);
    },
  };
}

/**
 * Replaces the file atomically, staged in the run's write batch when there is
 * one (made durable with the others at its commit). What the catalog leaves
 * unmanaged keeps the old file's value.
 */
async function writeContent(spec: FileSpec, attrs: Attributes, existing: Observed | undefined, data: Uint8Array, ctx: ProviderContext): Promise<void> {
  const opts = { mode: attrs.mode ?? existing?.mode ?? 0o644, uid: attrs.owner?.id ?? existing?.uid, gid: attrs.group?.id ?? existing?.gid };
  const writes = ctx.writes;
  await withParentHint(spec.path, async () => (writes ? writes.write(spec.path, data, opts) : writeFileAtomic(spec.path, data, opts)));
}

/** Makes a new or removed entry of `dir` durable: at the batch's commit, or now. */
async function entryChanged(dir: string, ctx: ProviderContext): Promise<void> {
  if (ctx.writes) ctx.writes.entryChanged(dir);
  else fsyncPath(dir);
}

async function desiredBytes(spec: FileSpec, ctx: ProviderContext): Promise<Uint8Array> {
  if (!spec.content) return new Uint8Array(0);
  if (spec.content.inline) return spec.content.inline;
  const want = spec.content.sha256;
  const data = await ctx.fetchContent(want);
  const got = sha256Hex(data);
  if (got !== want) {
    throw new ResourceFailure("content", `content fetched for sha256:${want} has sha256:${got}; refusing to write it`, "ANCLA_E_CONTENT_MISMATCH");
  }
  return data;
}

async function account(kind: IdKind, desired: string | number | undefined, ctx: ProviderContext): Promise<Account | undefined> {
  if (desired === undefined) return undefined;
  const table = await loadIdTable(kind);
  const id = resolveId(table, desired);
  if (id === undefined) {
    const ref = `${kind}:${desired}`;
    // Noop: the account does not exist yet because the run would create it first; the file would then get it.
    if (ctx.pending?.(ref)) {
      ctx.log?.(LogLevel.INFO, `${kind} ${desired} does not exist yet: ${ref}, which this resource requires, would be created first`);
      return { desired, table };
    }
    throw new ResourceFailure(kind === "user" ? "owner" : "group", `no ${kind} named "${desired}" in ${ID_SOURCES[kind]}; create it first (and require it) or use a numeric id`);
  }
  return { id, desired, table };
}
