// A module's probe declarations made concrete for one node, the way its
// resources are (loops unrolled, conditions decided, strings interpolated,
// each checked by probeSchema), plus the site's `probes: { local_only }` rule.
import type { JsonValue, Probe } from "../model.js";
import { probeHost, probeSchema, toProbe } from "../types/probe.js";
import { holdsMarker } from "../secrets/markers.js";
import { isHostLocal } from "./host-local.js";
import { condition, evaluator, iterations, type Evaluator, type Instantiating } from "./instantiate.js";
import type { ProbeDecl } from "./probe-decl.js";
import type { Scope } from "./scope.js";
import { childAt } from "./value.js";
import type { Where } from "./yaml-file.js";

export interface ProbeInstantiating extends Pick<Instantiating, "module" | "report" | "unknown"> {
  /** The node's own names and addresses when the site allows host-local probes only. */
  localOnly?: ReadonlySet<string>;
}

export interface DeclaredProbe {
  probe: Probe;
  /** Where its name is written, for a problem about the probe as a whole (a second one of the same name). */
  where: Where;
}

export function instantiateProbes(m: ProbeInstantiating, scope: Scope): DeclaredProbe[] {
  const out: DeclaredProbe[] = [];
  for (const decl of m.module.probes) {
    const value = evaluator(m, decl);
    for (const itemScope of iterations(decl, scope, m)) {
      if (!condition(decl, itemScope, value, m.report)) continue;
      const d = declare(m, decl, itemScope, value);
      if (d) out.push(d);
    }
  }
  return out;
}

function declare(m: ProbeInstantiating, decl: ProbeDecl, scope: Scope, value: Evaluator): DeclaredProbe | undefined {
  const name = value(decl.name.value, scope);
  if (name === undefined) return undefined;
  const where = decl.name.value.where;
  if (typeof name !== "string") {
    m.report(where, "`name` must be a string");
    return undefined;
  }
  const properties: { [key: string]: JsonValue } = {};
  for (const p of decl.properties) {
    const v = value(p.value, scope);
    if (v === undefined) return undefined;
    // A probe's fields are shown on the node page and in health reports, and the agent never decrypts them.
    if (holdsMarker(v) || holdsMarker(name)) {
      m.report(p.value.where, `probe ${name}: a probe cannot use a secret`);
      return undefined;
    }
    properties[p.key] = v;
  }
  const validated = probeSchema.validate(name, properties);
  for (const p of validated.problems) m.report(propertyWhere(decl, p.property), `probe ${name}: ${p.message}`);
  if (validated.problems.length > 0) return undefined;
  const probe = toProbe(name, validated.properties);
  const host = probeHost(probe);
  if (m.localOnly && host !== undefined && !isHostLocal(host, m.localOnly)) {
    const kind = probe.http ? "http" : "tcp";
    const field = childAt(decl.properties.find((p) => p.key === kind)?.value, kind === "http" ? "url" : "host");
    m.report(
      field?.where ?? where,
      `probe ${name}: ${host} is not this host, and ancla.yaml says \`probes: { local_only: true }\` (use localhost, a loopback address, or one of the node's own names or addresses)`,
    );
    return undefined;
  }
  return { probe, where };
}

function propertyWhere(decl: ProbeDecl, property: string): Where {
  const top = property.split(/[.[]/)[0];
  return decl.properties.find((p) => p.key === top)?.keyWhere ?? decl.name.value.where;
}
