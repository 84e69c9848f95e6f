// How a secret travels through a compile without its value: `secret("NAME")`
// (CEL) and `{{ "NAME" | secret }}` (Liquid) give a marker, a name between two
// private-use characters that no site text holds, which flows like any string
// (through parameters, data, interpolation, templates). Once a resource is
// evaluated the compiler binds each marker to the secret's current version;
// the agent replaces bound markers with the decrypted values at apply time,
// in memory. So a catalog names secrets (name and version, which is what its
// digest and drift memory see) and never holds one.

import type { JsonValue } from "../model.js";

/** A secret's name: a letter, then letters, digits, `_`, `-` or `.`. */
export const SECRET_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,127}$/;
export const SECRET_NAME_RULE = 'a letter, then up to 127 letters, digits, "_", "-" or "."';

const OPEN = "\uE000";
const CLOSE = "\uE001";
const MARKER = /\uE000secret:([A-Za-z][A-Za-z0-9_.-]{0,127})(?:@([1-9][0-9]{0,9}))?\uE001/g;

/** One secret a catalog uses: which version its resources were bound to. */
export interface SecretUse {
  name: string;
  version: number;
}

/** What `secret(NAME)` gives while compiling: the name, not yet bound to a version. */
export function secretMarker(name: string, version?: number): string {
  return `${OPEN}secret:${name}${version === undefined ? "" : `@${version}`}${CLOSE}`;
}

/** Whether `text` holds anything of a marker (cheap: most strings hold none). */
export function hasMarker(text: string): boolean {
  return text.includes(OPEN) || text.includes(CLOSE);
}

export type MarkerVisit = (name: string, version: number | undefined) => string;

/**
 * `text` with each marker replaced by what `visit` gives; undefined when the
 * text holds a marker's character outside a whole marker (an expression that
 * cut or changed a secret, such as `secret("x").upperAscii()`).
 */
export function replaceMarkers(text: string, visit: MarkerVisit): string | undefined {
  if (!hasMarker(text)) return text;
  const out = text.replace(MARKER, (_, name: string, version: string | undefined) => visit(name, version === undefined ? undefined : Number(version)));
  // What the visitor put in is its own business (a value may hold anything); only the rest must be whole markers.
  const rest = text.replace(MARKER, "");
  return hasMarker(rest) ? undefined : out;
}

/** Whether any string in `value` holds a marker. */
export function holdsMarker(value: JsonValue | undefined): boolean {
  if (typeof value === "string") return hasMarker(value);
  if (value === null || typeof value !== "object") return false;
  return (Array.isArray(value) ? value : Object.values(value)).some(holdsMarker);
}

/** `value` with every string that holds a marker passed through `f`; the same object where nothing changed (compiled constants are shared). */
export function mapMarked<T extends JsonValue>(value: T, f: (text: string) => string): T;
export function mapMarked(value: JsonValue, f: (text: string) => string): JsonValue {
  if (typeof value === "string") return hasMarker(value) ? f(value) : value;
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    const items = value.map((v) => mapMarked(v, f));
    return items.some((v, i) => v !== value[i]) ? items : value;
  }
  let changed = false;
  const out: { [key: string]: JsonValue } = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = mapMarked(v, f);
    changed ||= out[k] !== v;
  }
  return changed ? out : value;
}
