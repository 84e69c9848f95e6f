// The `file` provider: regular files (inline or by-digest content), directories
// and absence, with mode, owner and group. Every check builds a plan (the
// changes plus the action that makes them); apply runs the action, noop doesn't.
import { chmod, chown, mkdir, rmdir, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import { sha256Hex } from "../../catalog/canonical.js";
import { resourceRef, type Resource } from "../../catalog/model.js";
import { fsyncDir, writeFileAtomic } from "../state/atomic-write.js";
import { formatMode, parseFileSpec, type FileSpec } from "./file-spec.js";
import { hashFile, isEmptyDirectory, observe, type Observed } from "./file-observe.js";
import { describeId, ID_SOURCES, loadIdTable, resolveId, type IdKind, type IdTable } from "./ids.js";
import { ResourceFailure, type PropertyChange, type Provider, type ProviderContext } from "./provider.js";

interface Account {
  id: number;
  /** As the catalog spelled it: reports show the actual value the same way. */
  desired: string | number;
  table: IdTable;
}

/** Mode, owner and group as desired, with names resolved to ids. */
interface Attributes {
  mode?: number;
  owner?: Account;
  group?: Account;
}

interface Plan {
  changes: PropertyChange[];
  apply(): Promise<void>;
}

export const fileProvider: Provider = {
  async checkApply(resource: Resource, apply: boolean, ctx: ProviderContext) {
    const spec = parseFileSpec(resource);
    const plan = await planFor(spec, ctx);
    const applied = apply && plan.changes.length > 0;
    if (applied) await plan.apply();
    return { changes: plan.changes, applied };
  },

  // As in Puppet: a file requires its nearest managed ancestor directory, and its owner and group when managed.
  autorequire(resource: Resource, isManaged: (ref: string) => boolean): string[] {
    const { owner, group } = resource.properties;
    const accounts = [typeof owner === "string" ? `user:${owner}` : "", typeof group === "string" ? `group:${group}` : ""];
    return [managedParent(resource.title, isManaged), ...accounts].filter((ref): ref is string => !!ref && isManaged(ref));
  },
};

function managedParent(path: string, isManaged: (ref: string) => boolean): string | undefined {
  if (!path.startsWith("/") || path === "/") return undefined;
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const ref = resourceRef({ type: "file", title: dir });
    if (isManaged(ref)) return ref;
    if (dir === "/") return undefined;
  }
}

async function planFor(spec: FileSpec, ctx: ProviderContext): Promise<Plan> {
  const actual = await observe(spec.path);
  if (spec.ensure === "absent") return planAbsent(spec.path, actual);
  const attrs: Attributes = {
    mode: spec.mode,
    owner: await account("user", spec.owner),
    group: await account("group", spec.group),
  };
  return spec.ensure === "directory" ? planDirectory(spec.path, actual, attrs) : planFile(spec, actual, attrs, ctx);
}

async function planAbsent(path: string, actual: Observed): Promise<Plan> {
  if (actual.kind === "absent") return noChanges();
  if (actual.kind === "directory" && !(await isEmptyDirectory(path))) {
    throw new ResourceFailure("ensure", `${path} is a directory that is not empty; ensure "absent" removes only files, links and empty directories`);
  }
  return {
    changes: [{ property: "ensure", desired: "absent", actual: actual.kind }],
    async apply() {
      await (actual.kind === "directory" ? rmdir(path) : unlink(path));
      await fsyncDir(dirname(path));
    },
  };
}

function planDirectory(path: string, actual: Observed, attrs: Attributes): Plan {
  if (actual.kind === "directory") return planAttributes(path, actual, attrs);
  if (actual.kind !== "absent") {
    throw new ResourceFailure("ensure", `${path} exists as a ${actual.kind}; ensure "directory" does not replace it (remove it first)`);
  }
  return {
    changes: [{ property: "ensure", desired: "directory", actual: "absent" }],
    async apply() {
      await withParentHint(path, () => mkdir(path, 0o700));
      // Owner first: chown clears setuid/setgid bits that chmod then sets.
      await setOwnership(path, attrs.owner?.id, attrs.group?.id);
      await chmod(path, attrs.mode ?? 0o755);
      await fsyncDir(dirname(path));
    },
  };
}

async function planFile(spec: FileSpec, actual: Observed, attrs: Attributes, ctx: ProviderContext): Promise<Plan> {
  const { path } = spec;
  if (actual.kind === "directory" || actual.kind === "other") {
    const what = actual.kind === "directory" ? "a directory" : "a special file (socket, fifo or device)";
    throw new ResourceFailure("ensure", `${path} is ${what}; ensure "file" does not replace it (remove it first)`);
  }
  if (actual.kind !== "file") {
    // Absent, or a symlink: a link is replaced by a file, never written through.
    return {
      changes: [{ property: "ensure", desired: "file", actual: actual.kind }],
      apply: () => writeContent(spec, attrs, undefined, ctx),
    };
  }
  const actualDigest = spec.content ? await hashFile(path) : undefined;
  if (!spec.content || actualDigest === spec.content.sha256) return planAttributes(path, actual, attrs);
  return {
    changes: [
      { property: "content", desired: `sha256:${spec.content.sha256}`, actual: `sha256:${actualDigest}` },
      ...attributeChanges(actual, attrs),
    ],
    // Mode and owner ride along on the temp file, so the new content never appears with the wrong ones.
    apply: () => writeContent(spec, attrs, actual, ctx),
  };
}

function planAttributes(path: string, actual: Observed, attrs: Attributes): Plan {
  const changes = attributeChanges(actual, attrs);
  return {
    changes,
    async apply() {
      const owner = attrs.owner && attrs.owner.id !== actual.uid ? attrs.owner.id : undefined;
      const group = attrs.group && attrs.group.id !== actual.gid ? attrs.group.id : undefined;
      await setOwnership(path, owner, group);
      if (attrs.mode !== undefined) await chmod(path, attrs.mode);
    },
  };
}

function attributeChanges(actual: Observed, attrs: Attributes): PropertyChange[] {
  const changes: PropertyChange[] = [];
  if (attrs.mode !== undefined && attrs.mode !== actual.mode) {
    changes.push({ property: "mode", desired: formatMode(attrs.mode), actual: formatMode(actual.mode) });
  }
  for (const [property, acct, id] of [["owner", attrs.owner, actual.uid], ["group", attrs.group, actual.gid]] as const) {
    if (acct && acct.id !== id) changes.push({ property, desired: acct.desired, actual: describeId(acct.table, id, acct.desired) });
  }
  return changes;
}

/** Replaces the file atomically. What the catalog leaves unmanaged keeps the old file's value. */
async function writeContent(spec: FileSpec, attrs: Attributes, existing: Observed | undefined, ctx: ProviderContext): Promise<void> {
  const data = await desiredBytes(spec, ctx);
  await withParentHint(spec.path, () =>
    writeFileAtomic(spec.path, data, {
      mode: attrs.mode ?? existing?.mode ?? 0o644,
      uid: attrs.owner?.id ?? existing?.uid,
      gid: attrs.group?.id ?? existing?.gid,
    }),
  );
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

async function account(kind: IdKind, desired: string | number | undefined): Promise<Account | undefined> {
  if (desired === undefined) return undefined;
  const table = await loadIdTable(kind);
  const id = resolveId(table, desired);
  if (id === undefined) {
    throw new ResourceFailure(kind === "user" ? "owner" : "group", `no ${kind} named "${desired}" in ${ID_SOURCES[kind]}; create it first (and require it) or use a numeric id`);
  }
  return { id, desired, table };
}

async function setOwnership(path: string, uid: number | undefined, gid: number | undefined): Promise<void> {
  if (uid !== undefined || gid !== undefined) await chown(path, uid ?? -1, gid ?? -1);
}

/** Puppet does not create missing parents, and neither do we; say so instead of a bare ENOENT. */
async function withParentHint<T>(path: string, create: () => Promise<T>): Promise<T> {
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

function noChanges(): Plan {
  return { changes: [], apply: async () => undefined };
}
