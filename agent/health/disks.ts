// Disk used per mount holding a path the catalog manages: each path's mount
// is the longest mount point in /proc/self/mountinfo that is a prefix of it
// (the path need not exist yet), and its use is what df shows: used blocks ÷
// (used + available to unprivileged users).
import { readFileSync, statfsSync } from "node:fs";
import type { Catalog } from "../../catalog/model.js";

export interface DiskUsed {
  mount: string;
  used: number;
}

/** The paths a catalog manages: files (their title), images (their `path`). */
export function managedPaths(catalog: Pick<Catalog, "resources"> | undefined): string[] {
  const paths = new Set<string>();
  for (const r of catalog?.resources ?? []) {
    if (r.type === "file" && r.title.startsWith("/")) paths.add(r.title);
    if (r.type === "image" && typeof r.properties.path === "string" && r.properties.path.startsWith("/")) paths.add(r.properties.path);
  }
  return [...paths];
}

/** Mount points, from /proc/self/mountinfo (field 5, octal escapes undone). */
export function mountPoints(mountinfo = readFileSync("/proc/self/mountinfo", "utf8")): string[] {
  const out: string[] = [];
  for (const line of mountinfo.split("\n")) {
    const field = line.split(" ")[4];
    if (field) out.push(field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8))));
  }
  return out;
}

/** The mount holding `path`: the longest mount point that is `path` or one of its parents. */
export function mountOf(path: string, mounts: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const m of mounts) {
    const holds = m === "/" || path === m || path.startsWith(m + "/");
    if (holds && (best === undefined || m.length > best.length)) best = m;
  }
  return best;
}

/** The used share of each mount holding one of `paths`, by mount point; a mount statfs cannot read is left out. */
export function diskUsage(paths: readonly string[]): DiskUsed[] {
  if (paths.length === 0) return [];
  const mounts = mountPoints();
  const held = new Set<string>();
  for (const p of paths) {
    const m = mountOf(p, mounts);
    if (m !== undefined) held.add(m);
  }
  const out: DiskUsed[] = [];
  for (const mount of [...held].sort()) {
    try {
      const s = statfsSync(mount);
      const used = s.blocks - s.bfree;
      const usable = used + s.bavail;
      if (usable > 0) out.push({ mount, used: used / usable });
    } catch {
      // A mount gone since mountinfo was read, or one we may not stat.
    }
  }
  return out;
}
