// One entry of a module's `probes:` list, compiled once per site version like
// a resource declaration: `name` (its title), `when` and `for_each` are read
// by the language, everything else is a property probeSchema checks per node.
import type { YAMLMap } from "yaml";
import { keyed, splitMeta, type Keyed } from "./resource-decl.js";
import { compileCel, type Compiling, type MapEntry, type Value } from "./value.js";

const PROBE_META: readonly string[] = ["name", "when", "for_each"];

export interface ProbeDecl {
  name: Keyed;
  when?: Value;
  forEach?: Value;
  properties: MapEntry[];
}

export function readProbe(c: Compiling, item: YAMLMap): ProbeDecl | undefined {
  const { meta, properties, ok } = splitMeta(c, item, PROBE_META);
  const nameField = meta.get("name");
  if (!nameField) c.reader.report(item, "a probe needs a `name`");
  const name = nameField && keyed(c, nameField);
  const cel = (key: string): Value | undefined | false => {
    const f = meta.get(key);
    return f ? (compileCel(c, f.value, f.key) ?? false) : undefined;
  };
  const when = cel("when");
  const forEach = cel("for_each");
  if (!ok || !name || when === false || forEach === false) return undefined;
  return { name, when, forEach, properties };
}
