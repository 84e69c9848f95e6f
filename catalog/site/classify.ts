// Classification of one node: the modules of every matching rule, each once,
// in order of first appearance, and the rules' parameters, a later rule
// overriding an earlier one for the same parameter; the environment of the
// last matching rule that names one.
import type { Keyed } from "./resource-decl.js";
import { DEFAULT_ENVIRONMENT, type ModuleUse, type Rule } from "./rules.js";
import type { Scope } from "./scope.js";
import { evaluate, type Sink } from "./value.js";

export interface Classification {
  modules: ModuleUse[];
  /** module → parameter → the value the last matching rule gave it. */
  params: Map<string, Map<string, Keyed>>;
  environment: string;
}

export function classify(rules: Rule[], certname: string, scope: Scope, report: Sink): Classification {
  const modules = new Map<string, ModuleUse>();
  const params = new Map<string, Map<string, Keyed>>();
  let environment = DEFAULT_ENVIRONMENT;
  for (const rule of rules) {
    if (!rule.matches(certname) || !holds(rule, scope, report)) continue;
    if (rule.environment) environment = rule.environment;
    for (const use of rule.modules) if (!modules.has(use.name)) modules.set(use.name, use);
    for (const [module, values] of rule.params) {
      const merged = params.get(module) ?? new Map<string, Keyed>();
      for (const [name, value] of values) merged.set(name, value);
      params.set(module, merged);
    }
  }
  return { modules: [...modules.values()], params, environment };
}

function holds(rule: Rule, scope: Scope, report: Sink): boolean {
  if (!rule.when) return true;
  const v = evaluate(rule.when, scope.cel, report);
  if (v === undefined || typeof v === "boolean") return v === true;
  report(rule.when.where, `\`when\` must give true or false, not ${JSON.stringify(v)}`);
  return false;
}
