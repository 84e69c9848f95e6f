// Shared test fixtures: catalogs over temp dirs, a content store, byte-exact tree snapshots.
import { lstat, readdir, readFile, readlink } from "node:fs/promises";
import { join } from "node:path";
import { sha256Hex } from "../../catalog/canonical.js";
import type { Catalog, Edge, Resource } from "../../catalog/model.js";
import { applyCatalog, type ApplyContext, type ApplyOutcome } from "../../agent/engine/apply.js";
import type { DesiredMemory } from "../../agent/engine/drift.js";

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

export function summary(outcome: ApplyOutcome): { resource: string; property: string; result: string; corrective: boolean }[] {
  return outcome.events.map((e) => ({ resource: e.resource, property: e.property, result: e.result, corrective: e.corrective }));
}
