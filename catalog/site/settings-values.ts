// Typed scalars and name → settings mappings in ancla.yaml's sections
// (strategies, analysis, SLOs): each reader gives the value or reports a
// located problem and gives undefined, worded the same way in every section.
import { isScalar, type Node } from "yaml";
import { durationSeconds } from "../../core/duration.js";
import { describe, type Field, type Reader } from "./reader.js";

export function integer(reader: Reader, field: Field, what: string, min: number, max: number): number | undefined {
  const node = field.value;
  const value = isScalar(node) ? node.value : undefined;
  if (typeof value === "number" && Number.isInteger(value) && value >= min && value <= max) return value;
  const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `from ${min} to ${max}`;
  reader.report(node ?? field.key, `${what} must be a whole number ${range}, not ${typeof value === "number" ? value : describe(node)}`);
  return undefined;
}

export function duration(reader: Reader, field: Field, what: string): number | undefined {
  const node = field.value;
  const value = isScalar(node) ? node.value : undefined;
  const seconds = typeof value === "number" ? (Number.isInteger(value) && value >= 0 ? value : undefined) : typeof value === "string" ? durationSeconds(value) : undefined;
  if (seconds === undefined) reader.report(node ?? field.key, `${what} must be a duration such as 30s, 5m, 1h or 1d, not ${typeof value === "string" ? `"${value}"` : describe(node)}`);
  return seconds;
}

/** The entries of a name → settings mapping. */
export function* entries(reader: Reader, field: Field, what: string): Generator<[name: string, key: Node, value: Node | null]> {
  if (isEmpty(field.value)) return;
  const map = reader.map(field.value, what, field.key);
  for (const pair of map?.items ?? []) {
    const key = reader.resolve(pair.key);
    if (!isScalar(key) || typeof key.value !== "string") {
      reader.report(key ?? map, `names under ${what} must be strings, not ${describe(key)}`);
      continue;
    }
    yield [key.value, key, reader.resolve(pair.value)];
  }
}

export function isEmpty(node: Node | null): boolean {
  return node === null || (isScalar(node) && node.value === null);
}

/** A number from `min` to `max` (a fraction, a threshold, a ratio). */
export function number(reader: Reader, field: Field, what: string, min: number, max = Infinity): number | undefined {
  const node = field.value;
  const value = isScalar(node) ? node.value : undefined;
  if (typeof value === "number" && Number.isFinite(value) && value >= min && value <= max) return value;
  const range = max === Infinity ? `${min} or more` : `from ${min} to ${max}`;
  reader.report(node ?? field.key, `${what} must be a number ${range}, not ${typeof value === "number" ? value : describe(node)}`);
  return undefined;
}

/**
 * A list item that is a mapping with exactly one of `kinds` as its key (a
 * strategy's step, an analysis check), as its kind and field; undefined when
 * it is not, the problem reported.
 */
export function oneOf<K extends string>(reader: Reader, node: Node | null, at: Node, what: string, kinds: readonly K[]): { kind: K; field: Field } | undefined {
  const map = reader.map(node, what, at);
  if (!map) return undefined;
  if (map.items.length !== 1) {
    reader.report(map, `${what} has exactly one of ${kinds.join(", ")}; this one has ${map.items.length}`);
    return undefined;
  }
  const field = reader.fields(map, kinds).values().next().value as Field | undefined;
  return field && { kind: String(field.key.value) as K, field };
}
