// purge: true on a managed directory (Puppet's recurse + purge): whatever lies
// beneath it that the catalog does not manage is removed. A managed path stays
// (its own resource decides what happens inside it), and so does an ancestor of
// one, whose unmanaged entries are purged in turn. Each purged path is its own
// change. Listing never follows a symlink: a link is an entry like any other,
// removed as a link, and never descended into.
import { readdirSync, type Dirent } from "node:fs";
import { rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { resourceRef, type Resource } from "../../catalog/model.js";
import { fsyncPath } from "../state/atomic-write.js";
import type { ActualKind } from "./file-observe.js";
import { keepOld, type Keeper, type Plan } from "./file-plan.js";

/** The file paths a catalog manages, and every directory above one of them. */
export interface ManagedPaths {
  paths: ReadonlySet<string>;
  ancestors: ReadonlySet<string>;
}

export function managedPaths(files: readonly Resource[]): ManagedPaths {
  const paths = new Set(files.map((r) => r.title));
  const ancestors = new Set<string>();
  for (const path of paths) {
    for (let dir = dirname(path); !ancestors.has(dir); dir = dirname(dir)) {
      ancestors.add(dir);
      if (dir === dirname(dir)) break;
    }
  }
  return { paths, ancestors };
}

interface Unmanaged {
  path: string;
  kind: ActualKind;
}

export function planPurge(dir: string, managed: ManagedPaths, keeper: Keeper): Plan {
  const found = unmanagedBeneath(dir, managed);
  return {
    changes: found.map(({ path, kind }) => ({ property: "ensure", desired: "absent", actual: kind, resource: resourceRef({ type: "file", title: path }) })),
    async apply() {
      for (const { path, kind } of found) {
        if (kind === "file") await keepOld(keeper, path);
        await rm(path, { recursive: kind === "directory" });
      }
      for (const parent of new Set(found.map(({ path }) => dirname(path)))) fsyncPath(parent);
    },
  };
}

/** Sorted, so reports list purged paths in the same order every time. */
function unmanagedBeneath(dir: string, managed: ManagedPaths): Unmanaged[] {
  const found: Unmanaged[] = [];
  const walk = (parent: string): void => {
    const entries = readdirSync(parent, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = join(parent, entry.name);
      if (managed.paths.has(path)) continue;
      if (managed.ancestors.has(path)) {
        if (entry.isDirectory()) walk(path);
        continue;
      }
      found.push({ path, kind: kindOf(entry) });
    }
  };
  walk(dir);
  return found;
}

/** Dirent types come from the directory listing (lstat when the file system does not say): links are links. */
function kindOf(entry: Dirent): ActualKind {
  if (entry.isSymbolicLink()) return "link";
  if (entry.isDirectory()) return "directory";
  return entry.isFile() ? "file" : "other";
}
