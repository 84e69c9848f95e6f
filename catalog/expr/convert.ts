// Values between the catalog's JSON and CEL. Plain JS objects are not CEL
// maps and JS numbers are CEL doubles, so JSON goes in as Maps and, where a
// number is whole (and exact), as a bigint int: `facts.cpu.count > 2` must compare ints.
// A site can ask for doubles instead (a `number` parameter) with a hint.
import { celList, celMap, isCelList, isCelMap, isCelUint, type CelInput } from "@bufbuild/cel";
import { canonicalJson } from "../canonical.js";
import type { JsonValue } from "../model.js";
import type { Evaluated } from "./cel.js";

/** The declared shape of a value, as far as numbers are concerned: `number` stays a double. */
export interface NumberHint {
  readonly type: string;
  readonly of?: NumberHint;
}

export function toCel(value: JsonValue, hint?: NumberHint): CelInput {
  if (typeof value === "number") return Number.isSafeInteger(value) && hint?.type !== "number" ? BigInt(value) : value;
  if (value === null || typeof value !== "object") return value;
  if (constants.has(value)) return constantToCel(value, hint);
  if (Array.isArray(value)) return value.map((v) => toCel(v, hint?.of));
  const out = new Map<string, CelInput>();
  for (const [k, v] of Object.entries(value)) out.set(k, toCel(v, hint?.of));
  return out;
}

/*
 * Constants of the site's YAML (a data file's list of sites, a default) are
 * the same objects for every node compiled at one site version, and nothing
 * writes to them once compiled. Their CEL form is made once per number hint
 * (lazily, on first use) instead of once per compile, and an expression that
 * gives one back unchanged (`for_each: params.items`, `params.items[0]`)
 * converts back to the very same JSON without walking it. Everything here is
 * keyed on object identity and held weakly, so it lives exactly as long as
 * the site version that compiled the constants.
 */
const constants = new WeakSet<object>();
/** Constant → hint (undefined: none) → its CEL form. */
const celOfConstant = new WeakMap<object, Map<NumberHint | undefined, CelInput>>();
/** The CEL form of a constant (a CelList or CelMap made here) → the constant. */
const constantOfCel = new WeakMap<object, JsonValue>();

/** Marks a value compiled from the site's YAML as never changing; its nested lists and maps must be marked too (they are built first). */
export function markConstant(value: JsonValue): void {
  if (value !== null && typeof value === "object") constants.add(value);
}

function constantToCel(value: JsonValue[] | { [key: string]: JsonValue }, hint: NumberHint | undefined): CelInput {
  let byHint = celOfConstant.get(value);
  const hit = byHint?.get(hint);
  if (hit !== undefined) return hit;
  let cel: CelInput;
  if (Array.isArray(value)) cel = celList(value.map((v) => toCel(v, hint?.of)));
  else {
    const out = new Map<string, CelInput>();
    for (const [k, v] of Object.entries(value)) out.set(k, toCel(v, hint?.of));
    cel = celMap(out);
  }
  if (!byHint) celOfConstant.set(value, (byHint = new Map()));
  byHint.set(hint, cel);
  constantOfCel.set(cel as object, value);
  return cel;
}

export function fromCel(value: unknown): Evaluated {
  switch (typeof value) {
    case "string":
    case "boolean":
      return { ok: true, value };
    case "bigint":
      // Agents read JSON numbers; beyond 2^53 they would silently change.
      if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
        return { ok: false, message: `the integer ${value} is too large for a catalog` };
      }
      return { ok: true, value: Number(value) };
    case "number":
      return Number.isFinite(value) ? { ok: true, value } : { ok: false, message: `${value} cannot go into a catalog` };
  }
  if (value === null) return { ok: true, value: null };
  const constant = constantOfCel.get(value as object);
  if (constant !== undefined) return { ok: true, value: constant };
  if (isCelUint(value)) return fromCel(value.value);
  if (isCelList(value)) return listFromCel(value);
  if (isCelMap(value)) return mapFromCel(value);
  return { ok: false, message: "the expression gives a value (bytes, a type, a message) that cannot go into a catalog" };
}

function listFromCel(list: Iterable<unknown>): Evaluated {
  const out: JsonValue[] = [];
  for (const item of list) {
    const v = fromCel(item);
    if (!v.ok) return v;
    out.push(v.value);
  }
  return { ok: true, value: out };
}

function mapFromCel(map: ReadonlyMap<unknown, unknown>): Evaluated {
  const out: { [key: string]: JsonValue } = {};
  for (const [k, item] of map) {
    const v = fromCel(item);
    if (!v.ok) return v;
    out[String(isCelUint(k) ? k.value : k)] = v.value;
  }
  return { ok: true, value: out };
}

/** How a value reads inside a longer string: scalars as written, lists and maps as canonical JSON. */
export function stringify(value: JsonValue): string {
  if (typeof value === "string") return value;
  if (value === null || typeof value !== "object") return String(value);
  return canonicalJson(value);
}
