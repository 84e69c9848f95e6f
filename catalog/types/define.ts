// Turns a table of properties into a ResourceTypeSchema, so that each type's
// file is a table plus the few rules that tie its properties together. The
// same engine checks nested maps (image's `health`) through `record`.
import type { JsonValue } from "../model.js";
import { accept, isMap, reject, type Check, type JsonMap } from "./checks.js";
import type { PropertyProblem, ResourceTypeSchema, Validated } from "./schema.js";

export interface Property {
  check: Check;
  /** Filled in when the property is absent; a function of the title where the default is (exec's command). */
  default?: JsonValue | ((title: string) => JsonValue);
  required?: boolean;
}

export type PropertyTable = { readonly [name: string]: Property };

/**
 * A check across properties. Rules run only once every property passed its
 * own check, so they see normalised values and never repeat a problem
 * already reported (a bad `target` is not also a missing one).
 */
export type Rule = (properties: JsonMap) => PropertyProblem[];

export interface TypeDefinition {
  name: string;
  title: Check;
  /** What messages call the title: a probe's is its `name`. */
  titleKey?: string;
  properties: PropertyTable;
  rules?: readonly Rule[];
  /** Like rules, on valid properties, but what they find is a warning: it never stops a catalog. */
  lints?: readonly Rule[];
}

export function defineType(def: TypeDefinition): ResourceTypeSchema {
  const table = tableOf(def.properties);
  const rules = def.rules ?? [];
  const lints = def.lints ?? [];
  return {
    name: def.name,
    properties: table.keys,
    validate(title: string, properties: JsonMap): Validated {
      const checkedTitle = def.title(title, def.titleKey ?? "title");
      const result = checkTable(def.name, table, rules, properties, title, "");
      if (result.problems.length === 0 && lints.length > 0) result.warnings = lints.flatMap((lint) => lint(result.properties));
      if (checkedTitle.ok) return result;
      const titleProblems = checkedTitle.errors.map((message) => ({ property: "", message }));
      return { properties: result.properties, problems: [...titleProblems, ...result.problems] };
    },
  };
}

/** A property table with what every check of it needs worked out once. */
interface Table {
  properties: PropertyTable;
  keys: readonly string[];
  /** The properties to fill in or insist on when absent. */
  absent: readonly (readonly [string, Property])[];
}

function tableOf(properties: PropertyTable): Table {
  return {
    properties,
    keys: Object.keys(properties),
    absent: Object.entries(properties).filter(([, p]) => p.default !== undefined || p.required),
  };
}

/**
 * A nested map checked like a resource's properties. Its problems are
 * reported on the enclosing property, with the full path (`health.http.url`)
 * in the message.
 */
export function record(properties: PropertyTable, rules: readonly Rule[] = []): Check {
  const table = tableOf(properties);
  return (value, name) => {
    if (!isMap(value)) return reject(name, `a map with ${table.keys.join(", ")}`, value);
    const result = checkTable(`\`${name}\``, table, rules, value, "", `${name}.`);
    return result.problems.length === 0 ? accept(result.properties) : { ok: false, errors: result.problems.map((p) => p.message) };
  };
}

function checkTable(owner: string, table: Table, rules: readonly Rule[], given: JsonMap, title: string, prefix: string): Validated {
  const properties: JsonMap = {};
  const problems: PropertyProblem[] = [];
  for (const key of Object.keys(given)) {
    if (!Object.hasOwn(table.properties, key)) {
      problems.push({ property: key, message: unknownProperty(owner, prefix + key, table.keys) });
      continue;
    }
    const checked = table.properties[key].check(given[key], prefix + key);
    if (checked.ok) properties[key] = checked.value;
    else for (const message of checked.errors) problems.push({ property: key, message });
  }
  for (const [key, property] of table.absent) {
    if (Object.hasOwn(given, key)) continue;
    if (property.default !== undefined) {
      properties[key] = typeof property.default === "function" ? property.default(title) : property.default;
    } else if (property.required) {
      problems.push({ property: key, message: `${owner} needs \`${prefix + key}\`` });
    }
  }
  if (problems.length === 0) for (const rule of rules) problems.push(...rule(properties));
  return { properties, problems };
}

function unknownProperty(owner: string, key: string, accepted: readonly string[]): string {
  const name = key.slice(key.lastIndexOf(".") + 1);
  const guess = closest(name, accepted);
  const hint = guess === undefined ? "" : `; did you mean \`${guess}\`?`;
  return `${owner} has no property \`${key}\`${hint} (it takes ${accepted.join(", ")})`;
}

/** The accepted name within a typo or two of `name` (a third of its length at most), if any. */
function closest(name: string, accepted: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.floor(name.length / 3));
  let best: { word: string; distance: number } | undefined;
  for (const word of accepted) {
    const distance = editDistance(name, word);
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { word, distance };
  }
  return best?.word;
}

/** Levenshtein distance, one row at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length];
}
