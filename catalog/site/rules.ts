// nodes.yaml: classification. An ordered list of rules; every rule whose
// certname glob matches (and whose CEL `when` holds) adds its modules, first
// appearance first, and its parameters, later rules overriding earlier ones;
// the last matching rule with an `environment:` names the node's environment.
import picomatch from "picomatch";
import type { YAMLMap } from "yaml";
import type { SiteProblem } from "../compile-seam.js";
import type { CelCache } from "../expr/cel.js";
import { PARAM_NAME } from "./param-types.js";
import { Reader, type Field } from "./reader.js";
import type { Keyed } from "./resource-decl.js";
import { compileCel, compileValue, type Compiling, type Value } from "./value.js";
import { whereOf, type Where, type YamlFile } from "./yaml-file.js";

/** Module names become directory names, so they may not hold separators or dots. */
const MODULE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/** Environments are named in commands, URLs and metrics labels: lowercase, digits and dashes. */
export const ENVIRONMENT_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** A node no rule gives an environment is in this one (and so is every node of a site that names none). */
export const DEFAULT_ENVIRONMENT = "production";

export interface ModuleUse {
  name: string;
  /** Where the rule names it, for "module not found". */
  where: Where;
}

export interface Rule {
  matches: (certname: string) => boolean;
  when?: Value;
  modules: ModuleUse[];
  /** module → parameter → value. */
  params: Map<string, Map<string, Keyed>>;
  environment?: string;
}

export function readRules(file: YamlFile, cel: CelCache, problems: SiteProblem[]): Rule[] {
  const reader = new Reader(file, problems);
  const top = reader.map(file.doc.contents, "nodes.yaml", file.doc.contents);
  if (!top) return [];
  const nodes = reader.fields(top, ["nodes"]).get("nodes");
  if (!nodes) {
    reader.report(top, "nodes.yaml needs a `nodes:` list of rules");
    return [];
  }
  const list = reader.seq(nodes.value, "`nodes`", nodes.key);
  if (!list) return [];
  return list.items.flatMap((item) => {
    const map = reader.map(item, "a rule", list);
    return map ? (readRule({ reader, cel }, map) ?? []) : [];
  });
}

function readRule(c: Compiling, map: YAMLMap): Rule | undefined {
  const { reader } = c;
  const fields = reader.fields(map, ["match", "when", "modules", "params", "environment"]);
  const match = fields.get("match");
  const modules = fields.get("modules");
  const when = fields.get("when");
  const environmentField = fields.get("environment");
  // A rule may only place nodes in an environment (`- match: "stage-*"` + `environment: staging`).
  if (!modules && !environmentField) reader.report(map, "a rule needs `modules:` (a list of module names) or an `environment:`");
  const glob = match ? reader.string(match.value, "`match`", match.key) : "*";
  const uses = modules ? readModuleNames(reader, modules) : [];
  const condition = when && compileCel(c, when.value, when.key);
  const paramsField = fields.get("params");
  const params = paramsField ? readRuleParams(c, paramsField) : new Map<string, Map<string, Keyed>>();
  const environment = environmentField && readEnvironment(reader, environmentField);
  if (glob === undefined || (!modules && !environmentField) || (when && !condition) || environment === null) return undefined;
  // `dot`: a certname is one name, not a path, so a leading dot is nothing special.
  const isMatch = picomatch(glob, { dot: true });
  return { matches: (certname) => isMatch(certname), when: condition, modules: uses, params, ...(environment ? { environment } : {}) };
}

/** The environment's name, or null (a problem reported at it). */
function readEnvironment(reader: Reader, f: Field): string | null {
  const name = reader.string(f.value, "`environment`", f.key);
  if (name === undefined) return null;
  if (ENVIRONMENT_NAME.test(name)) return name;
  reader.report(reader.resolve(f.value), `${JSON.stringify(name)} is not a valid environment name (lowercase letters, digits and -, at most 63)`);
  return null;
}

function readModuleNames(reader: Reader, f: Field): ModuleUse[] {
  const list = reader.seq(f.value, "`modules`", f.key);
  if (!list) return [];
  const out: ModuleUse[] = [];
  for (const item of list.items) {
    const n = reader.resolve(item);
    const name = reader.string(n, "a module name", list);
    if (name === undefined) continue;
    if (!MODULE_NAME.test(name)) {
      reader.report(n, `${JSON.stringify(name)} is not a valid module name (letters, digits, - and _)`);
      continue;
    }
    out.push({ name, where: whereOf(reader.file, n) });
  }
  return out;
}

/** `params: { module: { param: value } }`; whether the module declares them is checked per node, once the module is loaded. */
function readRuleParams(c: Compiling, f: Field): Map<string, Map<string, Keyed>> {
  const out = new Map<string, Map<string, Keyed>>();
  const byModule = c.reader.map(f.value, "`params`", f.key);
  for (const pair of byModule?.items ?? []) {
    const moduleKey = c.reader.resolve(pair.key);
    const moduleName = c.reader.string(moduleKey, "a module name", byModule);
    const values = moduleName !== undefined ? c.reader.map(pair.value, `the parameters of ${moduleName}`, moduleKey) : undefined;
    if (moduleName === undefined || !values) continue;
    const params = new Map<string, Keyed>();
    for (const p of values.items) {
      const key = c.reader.resolve(p.key);
      const name = c.reader.string(key, "a parameter name", values);
      if (name === undefined) continue;
      if (!PARAM_NAME.test(name)) {
        c.reader.report(key, `${JSON.stringify(name)} is not a valid parameter name`);
        continue;
      }
      const value = compileValue(c, c.reader.resolve(p.value), key);
      if (value) params.set(name, { value, keyWhere: whereOf(c.reader.file, key) });
    }
    out.set(moduleName, params);
  }
  return out;
}
