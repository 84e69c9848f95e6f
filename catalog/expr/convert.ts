// Values between the catalog's JSON and CEL. Plain JS objects are not CEL
// maps and JS numbers are CEL doubles, so JSON goes in as Maps and, where a
// number is whole (and exact), as a bigint int: `facts.cpu.count > 2` must compare ints.
// A site can ask for doubles instead (a `number` parameter) with a hint.
import { isCelList, isCelMap, isCelUint, type CelInput } from "@bufbuild/cel";
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
  if (Array.isArray(value)) return value.map((v) => toCel(v, hint?.of));
  if (value !== null && typeof value === "object") {
    const out = new Map<string, CelInput>();
    for (const [k, v] of Object.entries(value)) out.set(k, toCel(v, hint?.of));
    return out;
  }
  return value;
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
