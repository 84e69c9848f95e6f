// One file of the data hierarchy (data/<path>): a flat map of `module.param`
// keys to values. Read once per site version; which files a node sees is
// decided per node by the hierarchy.
import type { SiteProblem } from "../compile-seam.js";
import type { CelCache } from "../expr/cel.js";
import { PARAM_NAME } from "./param-types.js";
import { Reader } from "./reader.js";
import { compileValue, type MapEntry } from "./value.js";
import { loadYaml, whereOf } from "./yaml-file.js";
import { isScalar } from "yaml";

const MODULE_PARAM = /^([A-Za-z0-9][A-Za-z0-9_-]*)\.([A-Za-z_][A-Za-z0-9_]*)$/;

export interface DataEntry extends MapEntry {
  module: string;
  param: string;
}

export type DataFile = { kind: "missing" } | { kind: "ok"; entries: DataEntry[]; problems: SiteProblem[] };

export async function loadDataFile(siteDir: string, rel: string, cel: CelCache): Promise<DataFile> {
  const loaded = await loadYaml(siteDir, rel);
  if (loaded.kind === "missing") return { kind: "missing" };
  if (loaded.kind === "invalid") return { kind: "ok", entries: [], problems: loaded.problems };
  const problems: SiteProblem[] = [];
  const reader = new Reader(loaded.file, problems);
  const root = loaded.file.doc.contents;
  // An empty data file holds no data yet.
  if (root === null || (isScalar(root) && root.value === null)) return { kind: "ok", entries: [], problems };
  const map = reader.map(root, "a data file", root);
  const entries: DataEntry[] = [];
  for (const pair of map?.items ?? []) {
    const key = reader.resolve(pair.key);
    const name = reader.string(key, "a data key", map);
    if (name === undefined) continue;
    const m = MODULE_PARAM.exec(name);
    if (!m || !PARAM_NAME.test(m[2])) {
      reader.report(key, `data keys are module.param, like nginx.workers, not ${JSON.stringify(name)}`);
      continue;
    }
    const value = compileValue({ reader, cel }, reader.resolve(pair.value), key);
    if (value) entries.push({ key: name, keyWhere: whereOf(loaded.file, key), value, module: m[1], param: m[2] });
  }
  return { kind: "ok", entries, problems };
}
