// Value checks shared by the resource type schemas. A check takes one value
// and the name it goes by (for the message) and answers either the value in
// its canonical spelling or what was expected instead of what was given, so
// that every type words its problems the same way.
import { posix } from "node:path";
import type { JsonValue } from "../model.js";

export type Checked = { ok: true; value: JsonValue } | { ok: false; errors: string[] };
export type Check = (value: JsonValue, name: string) => Checked;
export type JsonMap = { [key: string]: JsonValue };

export function accept(value: JsonValue): Checked {
  return { ok: true, value };
}

/** "`name` must be <expected>, not <given>", plus an optional hint on how to fix it. */
export function reject(name: string, expected: string, given: JsonValue, hint = ""): Checked {
  return { ok: false, errors: [`\`${name}\` must be ${expected}, not ${describe(given)}${hint}`] };
}

/** How a given value reads in a message: strings quoted, so "true" and true differ. */
export function describe(value: JsonValue): string {
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  if (typeof value === "object") return "a map";
  if (typeof value === "number") return `the number ${value}`;
  return JSON.stringify(value);
}

export function isMap(value: JsonValue): value is JsonMap {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export const string: Check = (v, name) => (typeof v === "string" ? accept(v) : reject(name, "a string", v));

export const nonEmptyString: Check = (v, name) => (typeof v === "string" && v !== "" ? accept(v) : reject(name, "a non-empty string", v));

export const bool: Check = (v, name) => (typeof v === "boolean" ? accept(v) : reject(name, "true or false", v));

export function int(min: number, max = Number.MAX_SAFE_INTEGER): Check {
  const expected = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
  return (v, name) => (Number.isInteger(v) && (v as number) >= min && (v as number) <= max ? accept(v) : reject(name, expected, v));
}

export function oneOf(values: readonly string[]): Check {
  return (v, name) => (typeof v === "string" && values.includes(v) ? accept(v) : reject(name, `one of ${values.join(", ")}`, v));
}

export function matching(pattern: RegExp, expected: string): Check {
  return (v, name) => (typeof v === "string" && pattern.test(v) ? accept(v) : reject(name, expected, v));
}

export const httpUrl: Check = matching(/^https?:\/\/[^\s/]+/, 'an http:// or https:// URL like "http://127.0.0.1:8080/healthz"');

/** The first check that accepts; when none does, one message naming everything that would have been right. */
export function either(first: Check, second: Check, expected: string): Check {
  return (v, name) => {
    const a = first(v, name);
    if (a.ok) return a;
    const b = second(v, name);
    return b.ok ? b : reject(name, expected, v);
  };
}

/** A list whose order means nothing (group memberships): sorted and without repeats, so one set has one spelling. */
export function setOf(item: Check, expected: string): Check {
  return (v, name) => {
    if (!Array.isArray(v)) return reject(name, expected, v);
    const checked = v.map((x, i) => item(x, `${name}[${i}]`));
    const errors = checked.flatMap((c) => (c.ok ? [] : c.errors));
    if (errors.length > 0) return { ok: false, errors };
    const values = checked.map((c) => (c as { value: JsonValue }).value as string);
    return accept([...new Set(values)].sort());
  };
}

/** 3 or 4 octal digits as a string, spelled with 4. A bare number is refused: YAML reads 0644 as 644 and 0o644 as 420. */
export const octalMode: Check = (v, name) => {
  const expected = 'an octal string like "0644"';
  if (typeof v === "number") {
    const digits = String(v);
    return reject(name, expected, v, `; quote it, e.g. "${/^[0-7]{3,4}$/.test(digits) ? digits.padStart(4, "0") : "0644"}"`);
  }
  return typeof v === "string" && /^[0-7]{3,4}$/.test(v) ? accept(v.padStart(4, "0")) : reject(name, expected, v);
};

function normalPath(path: string): string {
  if (isNormalAbsolute(path)) return path;
  return posix.normalize(path).replace(/(.)\/+$/, "$1");
}

/**
 * What most paths are: absolute, no empty, `.` or `..` segment and no
 * trailing `/` (bar `/` itself), which normalising leaves as it is. A quick
 * scan instead of building the normalised copy to compare.
 */
function isNormalAbsolute(path: string): boolean {
  if (path.charCodeAt(0) !== 47) return false;
  if (path.length === 1) return true;
  let segmentStart = 1;
  for (let i = 1; i <= path.length; i++) {
    if (i < path.length && path.charCodeAt(i) !== 47) continue;
    const length = i - segmentStart;
    if (length === 0) return false;
    if (path.charCodeAt(segmentStart) === 46 && (length === 1 || (length === 2 && path.charCodeAt(segmentStart + 1) === 46))) return false;
    segmentStart = i + 1;
  }
  return true;
}

/** An absolute path as a property value, normalised ("/srv//app/" is "/srv/app"). */
export const absolutePath: Check = (v, name) => (typeof v === "string" && posix.isAbsolute(v) ? accept(normalPath(v)) : reject(name, "an absolute path", v));

/**
 * An absolute path that is already normalised, for titles: a title names the
 * resource in references (`file:/etc/motd`), so it is refused rather than
 * rewritten; otherwise /a/b and /a//b/ would be two resources for one file.
 */
export const normalisedPath: Check = (v, name) => {
  if (typeof v !== "string" || !posix.isAbsolute(v)) return reject(name, "an absolute path", v);
  const normal = normalPath(v);
  return normal === v ? accept(v) : reject(name, "a normalised absolute path", v, `; write ${JSON.stringify(normal)}`);
};

const UNIT_SECONDS: { [unit: string]: number } = { h: 3600, m: 60, s: 1 };

/** Whole seconds, or "1h30m", "5m", "30s"; normalised to whole seconds. */
export function duration(min: number): Check {
  const expected = `a duration like "30s", "5m" or "1h30m", or whole seconds (at least ${min})`;
  return (v, name) => {
    let seconds: number | undefined = Number.isInteger(v) ? (v as number) : undefined;
    if (typeof v === "string" && /^(\d+h)?(\d+m)?(\d+s)?$/.test(v) && v !== "") {
      seconds = [...v.matchAll(/(\d+)([hms])/g)].reduce((sum, [, n, unit]) => sum + Number(n) * UNIT_SECONDS[unit], 0);
    }
    return seconds !== undefined && seconds >= min ? accept(seconds) : reject(name, expected, v);
  };
}

/** A SHA-256 digest in hex, normalised to lower case (the content store's spelling). */
export const sha256: Check = (v, name) => (typeof v === "string" && /^[0-9a-fA-F]{64}$/.test(v) ? accept(v.toLowerCase()) : reject(name, "64 hex digits (a SHA-256)", v));

/**
 * A user or group name: POSIX portable characters, not starting with "-", at
 * most 32 long, a trailing "$" for Samba machine accounts, and not all digits
 * (a numeric name would read as an id to chown and friends).
 */
export const accountName: Check = matching(/^(?!\d+$)[A-Za-z0-9_.][A-Za-z0-9_.-]{0,30}\$?$/, 'a user or group name (letters, digits, ".", "_", "-"; at most 32)');

/** A uid or gid; 4294967295 is (uid_t)-1, which means "no change" to chown. */
export const accountId: Check = int(0, 4294967294);

/** An existing account named either way, as chown takes it. */
export const accountRef: Check = either(accountId, accountName, "a name or a numeric id");
