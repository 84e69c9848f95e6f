// One module, loaded once per site version: modules/<name>/module.yaml
// compiled into parameter specs and resource declarations, its templates/
// read into memory for Liquid, and its files/ read on demand (once each).
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { isScalar, type YAMLMap } from "yaml";
import type { SiteProblem } from "../compile-seam.js";
import type { CelCache } from "../expr/cel.js";
import { moduleTemplates, type ModuleTemplates } from "../template/liquid.js";
import type { SharedLoads } from "./shared-loads.js";
import { PARAM_NAME, readParamSpec, type ParamSpec } from "./param-types.js";
import { Reader, type Field } from "./reader.js";
import { readProbe, type ProbeDecl } from "./probe-decl.js";
import { readResource, type ResourceDecl } from "./resource-decl.js";
import { readModuleSource, type SourceRead } from "./source.js";
import type { Compiling } from "./value.js";
import { loadYaml } from "./yaml-file.js";

export interface Module {
  name: string;
  params: Map<string, ParamSpec>;
  resources: ResourceDecl[];
  /** What the agent daemon measures between runs (catalog/types/probe.ts). */
  probes: ProbeDecl[];
  templates: ModuleTemplates;
  /** The bytes of `files/...`, read at most once per site version. */
  source(relPath: string): Promise<SourceRead>;
  /** What is wrong in the module itself, reported for every node that uses it. */
  problems: SiteProblem[];
}

export type ModuleLoad = { kind: "ok"; module: Module } | { kind: "missing"; rel: string };

export async function loadModule(siteDir: string, name: string, cel: CelCache, loads: SharedLoads): Promise<ModuleLoad> {
  const rel = `modules/${name}/module.yaml`;
  const dir = path.join(siteDir, "modules", name);
  const loaded = await loadYaml(siteDir, rel);
  if (loaded.kind === "missing") return { kind: "missing", rel };
  const problems: SiteProblem[] = loaded.kind === "invalid" ? loaded.problems : [];
  const params = new Map<string, ParamSpec>();
  const decls: Declarations = { resources: [], probes: [] };
  if (loaded.kind === "ok") readModuleYaml({ reader: new Reader(loaded.file, problems), cel }, params, decls);
  const sources = new Map<string, Promise<SourceRead>>();
  return {
    kind: "ok",
    module: {
      name,
      params,
      ...decls,
      templates: moduleTemplates(await readTemplates(path.join(dir, "templates"))),
      problems,
      source: (relPath) => loads.once(sources, relPath, () => readModuleSource(dir, relPath)),
    },
  };
}

interface Declarations {
  resources: ResourceDecl[];
  probes: ProbeDecl[];
}

function readModuleYaml(c: { reader: Reader; cel: CelCache }, params: Map<string, ParamSpec>, decls: Declarations): void {
  const { reader } = c;
  const root = reader.file.doc.contents;
  // An empty module.yaml is a module with nothing to manage yet, not a mistake.
  if (root === null || (isScalar(root) && root.value === null)) return;
  const top = reader.map(root, "module.yaml", root);
  if (!top) return;
  const fields = reader.fields(top, ["params", "resources", "probes"]);
  const paramsField = fields.get("params");
  const paramsMap = paramsField && reader.map(paramsField.value, "`params`", paramsField.key);
  for (const [name, f] of paramsMap ? reader.fields(paramsMap, keysOf(paramsMap)) : []) {
    if (!PARAM_NAME.test(name)) {
      reader.report(f.key, `${JSON.stringify(name)} is not a valid parameter name (a letter or _, then letters, digits and _)`);
      continue;
    }
    const spec = readParamSpec(c, name, f);
    if (spec) params.set(name, spec);
  }
  readList(c, fields.get("resources"), "resources", "a resource", readResource, decls.resources);
  readList(c, fields.get("probes"), "probes", "a probe", readProbe, decls.probes);
}

function readList<T>(c: Compiling, field: Field | undefined, key: string, what: string, read: (c: Compiling, map: YAMLMap) => T | undefined, out: T[]): void {
  const items = field && c.reader.seq(field.value, `\`${key}\``, field.key);
  for (const item of items?.items ?? []) {
    const map = c.reader.map(item, what, items);
    const decl = map && read(c, map);
    if (decl) out.push(decl);
  }
}

/** Every string key of the map: params are open-ended, only their names are checked. */
function keysOf(map: YAMLMap): string[] {
  return map.items.flatMap((p) => (isScalar(p.key) && typeof p.key.value === "string" ? [p.key.value] : []));
}

/** Every file under templates/, by its path relative to it (with `/`). */
async function readTemplates(dir: string, prefix = ""): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const entries = await readdir(path.join(dir, prefix), { withFileTypes: true }).catch(() => []);
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    // Only regular files: a symlink could point anywhere on the server.
    if (entry.isDirectory()) for (const [k, v] of await readTemplates(dir, rel)) out.set(k, v);
    else if (entry.isFile()) out.set(rel, await readFile(path.join(dir, rel), "utf8"));
  }
  return out;
}
