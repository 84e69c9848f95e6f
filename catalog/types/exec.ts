// `exec`: a command, idempotent only through its guards (creates, unless,
// onlyif) or by running on refresh only, like Puppet's. As in Puppet, the
// command defaults to the title and the timeout to 300 seconds (0: none);
// refreshonly means false when absent.
import type { JsonValue } from "../model.js";
import { absolutePath, accept, accountName, bool, duration, isMap, nonEmptyString, reject, string, type Check, type JsonMap } from "./checks.js";
import { defineType, type Rule } from "./define.js";
import type { ResourceTypeSchema } from "./schema.js";

const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const EXPECTED_ENVIRONMENT = 'a map of names to strings, or a list of "NAME=value"';

/** The list form (Puppet's) as pairs; undefined when an entry is not "NAME=value". */
function pairsOfList(list: JsonValue[]): [string, JsonValue][] | undefined {
  const pairs: [string, JsonValue][] = [];
  for (const entry of list) {
    const match = typeof entry === "string" ? /^([^=]+)=(.*)$/s.exec(entry) : null;
    if (match === null) return undefined;
    pairs.push([match[1], match[2]]);
  }
  return pairs;
}

/** Variables for the command: a map, or a list of "NAME=value"; always a map of strings once normalised. */
const environment: Check = (v, name) => {
  const pairs = Array.isArray(v) ? pairsOfList(v) : isMap(v) ? Object.entries(v) : undefined;
  if (pairs === undefined) return reject(name, EXPECTED_ENVIRONMENT, v);
  const map: JsonMap = {};
  for (const [key, value] of pairs) {
    if (!VARIABLE.test(key)) return { ok: false, errors: [`\`${name}\` has ${JSON.stringify(key)}, which is not a variable name`] };
    if (typeof value !== "string") return { ok: false, errors: [`\`${name}.${key}\` must be a string; quote it`] };
    if (Object.hasOwn(map, key)) return { ok: false, errors: [`\`${name}\` sets ${key} twice`] };
    map[key] = value;
  }
  return accept(map);
};

const GUARDS = ["creates", "unless", "onlyif"] as const;

/** puppet-lint's check: an exec nothing guards runs on every agent run, which is rarely what was meant. */
const unguarded: Rule = (p) =>
  GUARDS.some((guard) => p[guard] !== undefined) || p.refreshonly === true
    ? []
    : [{ property: "", message: "this exec runs on every agent run: it has no `creates`, `unless`, `onlyif` or `refreshonly`" }];

export const execType: ResourceTypeSchema = defineType({
  name: "exec",
  title: nonEmptyString,
  properties: {
    command: { check: nonEmptyString, default: (title) => title },
    creates: { check: absolutePath },
    unless: { check: string },
    onlyif: { check: string },
    refreshonly: { check: bool },
    timeout: { check: duration(0), default: 300 },
    environment: { check: environment },
    cwd: { check: absolutePath },
    user: { check: accountName },
  },
  lints: [unguarded],
});
