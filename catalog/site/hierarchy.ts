// The node's data: the hierarchy's paths interpolated for the node, most
// specific first; the first file holding a `module.param` key wins. A level
// whose expression fails (a fact the node does not have) is skipped, as Hiera
// does, and so is a file that does not exist.
import type { SiteProblem } from "../compile-seam.js";
import type { JsonValue } from "../model.js";
import { confinedPath } from "../template/module-fs.js";
import type { DataEntry } from "./data-file.js";
import type { Scope } from "./scope.js";
import type { Site } from "./site.js";
import { evaluate, type Sink } from "./value.js";

export interface NodeData {
  /** "module.param" → the entry that won, with its value evaluated for the node. */
  entries: Map<string, { entry: DataEntry; value: JsonValue }>;
  /** The `data` variable of expressions and templates. */
  json: { [key: string]: JsonValue };
}

export async function nodeData(site: Site, scope: Scope, problems: SiteProblem[], report: Sink): Promise<NodeData> {
  const entries: NodeData["entries"] = new Map();
  const json: NodeData["json"] = {};
  const seen = new Set<string>();
  const taken = new Set<string>();
  for (const level of site.settings.hierarchy) {
    const rel = evaluate(level, scope.cel, () => {});
    if (rel === undefined) continue;
    const normal = confinedPath(String(rel));
    if (normal === undefined) {
      report(level.where, `hierarchy level ${JSON.stringify(rel)} must be a relative path inside data/`);
      continue;
    }
    if (seen.has(normal)) continue;
    seen.add(normal);
    const file = await site.dataFile(normal);
    if (file.kind === "missing") continue;
    problems.push(...file.problems);
    for (const entry of file.entries) {
      // Taken even when its value fails: a broken specific value must not let a general one through.
      if (taken.has(entry.key)) continue;
      taken.add(entry.key);
      const value = evaluate(entry.value, scope.cel, report);
      if (value === undefined) continue;
      entries.set(entry.key, { entry, value });
      json[entry.key] = value;
    }
  }
  return { entries, json };
}
