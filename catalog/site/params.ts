// A module's parameters for one node. Lowest to highest: the module's
// default, the data hierarchy, the classification rules. Every value is
// checked against the declared type and reported where it was written.
import type { CelInput } from "@bufbuild/cel";
import { toCel } from "../expr/convert.js";
import type { JsonValue } from "../model.js";
import type { NodeData } from "./hierarchy.js";
import type { Module } from "./module.js";
import { typeProblems, type ParamSpec } from "./param-types.js";
import type { Keyed } from "./resource-decl.js";
import type { Scope } from "./scope.js";
import type { UnknownParams } from "./unknown.js";
import { evaluate, type Sink, type Value } from "./value.js";

export interface Params {
  json: { [name: string]: JsonValue };
  cel: Map<string, CelInput>;
  /** Missing or wrong (and reported): not bound, so that the module is still checked without them. */
  unknown: UnknownParams;
}

/** The parameters; one that is missing or wrong is reported and left unknown. */
export function resolveParams(module: Module, fromRules: Map<string, Keyed> | undefined, data: NodeData, scope: Scope, report: Sink): Params {
  for (const [name, k] of fromRules ?? []) {
    if (!module.params.has(name)) report(k.keyWhere, `module ${module.name} has no parameter \`${name}\`${known(module)}`);
  }
  for (const { entry } of data.entries.values()) {
    if (entry.module === module.name && !module.params.has(entry.param)) report(entry.keyWhere, `module ${module.name} has no parameter \`${entry.param}\`${known(module)}`);
  }
  const json: Params["json"] = {};
  const cel: Params["cel"] = new Map();
  const unknown = new Set<string>();
  for (const spec of module.params.values()) {
    const value = paramValue(module, spec, fromRules?.get(spec.name)?.value, data, scope, report);
    if (value === undefined) {
      unknown.add(spec.name);
      continue;
    }
    json[spec.name] = value;
    cel.set(spec.name, toCel(value, spec));
  }
  return { json, cel, unknown };
}

function paramValue(module: Module, spec: ParamSpec, fromRule: Value | undefined, data: NodeData, scope: Scope, report: Sink): JsonValue | undefined {
  const fromData = data.entries.get(`${module.name}.${spec.name}`);
  let value: JsonValue | undefined;
  let origin: Value | undefined;
  if (fromRule) [value, origin] = [evaluate(fromRule, scope.cel, report), fromRule];
  else if (fromData) [value, origin] = [fromData.value, fromData.entry.value];
  else if (spec.default) [value, origin] = [evaluate(spec.default, scope.cel, report), spec.default];
  else if (spec.optional) return null;
  else {
    report(spec.where, `module ${module.name} needs parameter \`${spec.name}\`: no default, no data (${module.name}.${spec.name}) and no rule gives it`);
    return undefined;
  }
  if (value === undefined) return undefined;
  if (value === null && spec.optional) return null;
  const problems = typeProblems(value, spec, `${module.name}.${spec.name}`, origin, origin.where);
  for (const p of problems) report(p.where, p.message);
  return problems.length === 0 ? value : undefined;
}

function known(module: Module): string {
  const names = [...module.params.keys()];
  return names.length > 0 ? ` (it has: ${names.join(", ")})` : " (it declares none)";
}
