// Shared test fixtures: catalogs over temp dirs, a content store, byte-exact tree snapshots, small file systems to fill.
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmdirSync, writeSync } from "node:fs";
import { lstat, readdir, readFile, readlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sha256Hex } from "../../catalog/canonical.js";
import type { Catalog, Edge, Resource } from "../../catalog/model.js";
import { applyCatalog, type ApplyContext, type ApplyOutcome } from "../../agent/engine/apply.js";
import type { DesiredMemory } from "../../agent/engine/drift.js";
import { eventResultWords } from "../../proto/report-words.js";

export function catalogOf(resources: Resource[], edges: Edge[] = [], serial = 1): Catalog {
  return {
    apiVersion: "ancla/v1",
    certname: "test-node",
    siteVersion: "test",
    serial,
    digest: "0".repeat(64),
    compiledAt: "2024-01-01T00:00:00Z",
    expiresAt: "2099-01-01T00:00:00Z",
    resources,
    edges,
  };
}

export function file(title: string, properties: Resource["properties"] = {}, flags: Pick<Resource, "noop" | "sensitive"> = {}): Resource {
  return { type: "file", title, properties, ...flags };
}

/** A content store keyed by digest, as the server would serve it. */
export function contentStore(...contents: string[]): (sha256: string) => Promise<Uint8Array> {
  const store = new Map(contents.map((c) => [sha256Hex(c), new TextEncoder().encode(c)]));
  return async (sha256) => {
    const data = store.get(sha256);
    if (!data) throw new Error(`no content ${sha256}`);
    return data;
  };
}

export async function apply(catalog: Catalog, opts: Partial<ApplyContext> & { memory?: DesiredMemory } = {}): Promise<ApplyOutcome> {
  return applyCatalog(catalog, { noop: false, memory: {}, fetchContent: contentStore(), ...opts });
}

/** Every entry under `dir` with its type, mode, owner and bytes: equal snapshots mean an untouched tree. */
export async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await readdir(join(dir, rel))).sort()) {
      const path = join(dir, rel, name);
      const st = await lstat(path);
      const meta = `${st.mode.toString(8)} ${st.uid}:${st.gid}`;
      if (st.isDirectory()) {
        out[join(rel, name) + "/"] = meta;
        await walk(join(rel, name));
      } else if (st.isSymbolicLink()) out[join(rel, name)] = `${meta} -> ${await readlink(path)}`;
      else out[join(rel, name)] = `${meta} ${(await readFile(path)).toString("base64")}`;
    }
  };
  await walk("");
  return out;
}

/** The events with their results as the report's words (changed, failed...), as the API shows them. */
export function summary(outcome: ApplyOutcome): { resource: string; property: string; result: string; corrective: boolean }[] {
  return outcome.events.map((e) => ({ resource: e.resource, property: e.property, result: eventResultWords.word(e.result), corrective: e.corrective }));
}

let tmpfsProbe: string | false | undefined;

/** Why a small tmpfs cannot be mounted here (not root, or a container that forbids mount), or false when it can: a test's `skip`. */
export function tmpfsUnavailable(): string | false {
  return (tmpfsProbe ??= probeTmpfs());
}

function probeTmpfs(): string | false {
  if (process.getuid?.() !== 0) return "needs root to mount a small tmpfs";
  const dir = mkdtempSync(join(tmpdir(), "ancla-tmpfs-probe-"));
  try {
    const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir], { encoding: "utf8" });
    if (mounted.status !== 0) return `mount -t tmpfs is not permitted here: ${(mounted.stderr || String(mounted.error)).trim()}`;
    spawnSync("umount", [dir]);
    return false;
  } finally {
    rmdirSync(dir);
  }
}

/** A file system of its own of `size` (mount's size=, e.g. "1m"), unmounted and removed when the test ends. */
export function smallFileSystem(t: { teardown(fn: () => void): void }, size: string): string {
  const dir = mkdtempSync(join(tmpdir(), "ancla-tmpfs-"));
  const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir], { encoding: "utf8" });
  if (mounted.status !== 0) {
    rmdirSync(dir);
    throw new Error(`mount -t tmpfs -o size=${size} failed: ${mounted.stderr}`);
  }
  t.teardown(() => {
    spawnSync("umount", ["-l", dir]);
    rmdirSync(dir);
  });
  return dir;
}

/** Fills the file system holding `dir` to the last byte with `dir/filler`; removing that file frees it again. */
export function fillUp(dir: string): string {
  const path = join(dir, "filler");
  const fd = openSync(path, "w");
  const chunk = Buffer.alloc(256 * 1024);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
  } finally {
    closeSync(fd);
  }
  return path;
}
