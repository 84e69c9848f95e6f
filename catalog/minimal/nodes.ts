// Classification: nodes.yaml is an ordered list of rules; every rule whose
// certname glob matches adds its modules, first appearance first.
import picomatch from "picomatch";
import type { Scalar, YAMLMap } from "yaml";
import type { SiteProblem } from "../compiler.js";
import { Reader } from "./reader.js";
import { whereOf, type Where, type YamlFile } from "./yaml-file.js";

/** Module names become directory names, so they may not hold separators or dots. */
const MODULE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

export interface ModuleUse {
  name: string;
  /** Where the rule names it, for "module not found". */
  where: Where;
}

export interface Rule {
  matches: (certname: string) => boolean;
  modules: ModuleUse[];
}

export function readRules(file: YamlFile, problems: SiteProblem[]): Rule[] {
  const reader = new Reader(file, problems);
  const top = reader.map(file.doc.contents, "nodes.yaml", file.doc.contents);
  if (!top) return [];
  const nodes = reader.fields(top, ["nodes"], []).get("nodes");
  if (!nodes) {
    reader.report(top, "nodes.yaml needs a `nodes:` list of rules");
    return [];
  }
  const list = reader.seq(nodes.value, "`nodes`", nodes.key);
  if (!list) return [];
  return list.items.flatMap((item) => {
    const map = reader.map(item, "a rule", list);
    return map ? readRule(reader, map) ?? [] : [];
  });
}

function readRule(reader: Reader, map: YAMLMap): Rule | undefined {
  const fields = reader.fields(map, ["match", "modules"], ["when", "params"]);
  const match = fields.get("match");
  const modules = fields.get("modules");
  if (!match) reader.report(map, "a rule needs `match:` (a certname glob such as \"web-*\")");
  if (!modules) reader.report(map, "a rule needs `modules:` (a list of module names)");
  const glob = match && reader.string(match.value, "`match`", match.key);
  const uses = modules ? readModuleNames(reader, modules.value, modules.key) : [];
  if (glob === undefined || !modules) return undefined;
  // `dot`: a certname is one name, not a path, so a leading dot is nothing special.
  const isMatch = picomatch(glob, { dot: true });
  return { matches: (certname) => isMatch(certname), modules: uses };
}

function readModuleNames(reader: Reader, node: unknown, at: Scalar): ModuleUse[] {
  const list = reader.seq(node, "`modules`", at);
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

/** The modules of every matching rule, each once, in order of first appearance. */
export function classify(rules: Rule[], certname: string): ModuleUse[] {
  const seen = new Map<string, ModuleUse>();
  for (const rule of rules) {
    if (!rule.matches(certname)) continue;
    for (const use of rule.modules) if (!seen.has(use.name)) seen.set(use.name, use);
  }
  return [...seen.values()];
}
