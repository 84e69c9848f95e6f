// ancla.yaml's `analysis:` templates: how a rollout's moved cohort (the
// canary) is compared with the control while it spreads. Read with the rest
// of the delivery policy, so a wrong check is a site problem at its
// file:line:column; evaluated by the server (server/analysis).
import { parser as promql } from "@prometheus-io/lezer-promql";
import type { Node } from "yaml";
import { CelCache } from "../expr/cel.js";
import type { Field, Reader } from "./reader.js";
import { duration, entries, integer, number, oneOf } from "./settings-values.js";
import { whereOf, type Where } from "./yaml-file.js";
import { PROBE_NAME } from "../types/probe.js";

/** A threshold on the canary alone, and one relative to the control (either may be absent, not both). */
export interface Limits {
  max?: number;
  /** error_rate: the canary's rate minus the control's. */
  maxDeltaToControl?: number;
  /** p95_latency_ms: the canary's P95 over the control's. */
  maxRatioToControl?: number;
}

export type AnalysisCheck = { where: Where; name: string } & (
  | ({ kind: "error_rate"; probe?: string } & Limits)
  | ({ kind: "p95_latency_ms"; probe?: string } & Limits)
  /** Means over the window of the busiest moved node, as fractions from 0 to 1. */
  | { kind: "saturation"; max: { cpu?: number; memory?: number; disk?: number; load?: number } }
  /** One-sided Mann-Whitney U test: fails when the canary's latencies are higher than the control's at significance `alpha`. */
  | { kind: "latency_mann_whitney"; probe?: string; alpha: number }
  /** A PromQL instant query, its placeholders filled in, and a CEL condition on its one value `result`. */
  | { kind: "prometheus"; address: string; query: string; condition: string }
);

export type CheckKind = AnalysisCheck["kind"];

export interface AnalysisTemplate {
  name: string;
  /** The window each run looks back over. */
  windowSeconds: number;
  /** How often a run is made while the rollout has moved nodes. */
  intervalSeconds: number;
  /** Fewer probe attempts than this in either cohort make a check inconclusive, never a pass. */
  minSamples: number;
  /** Runs with that outcome the rollout tolerates before it acts: fail → on_failure; inconclusive, error → pause for a person. */
  failureLimit: number;
  inconclusiveLimit: number;
  errorLimit: number;
  /** The probe the probe checks read when they name none; none: every probe the canary reported. */
  probe?: string;
  checks: AnalysisCheck[];
  where: Where;
}

export const CHECK_KINDS = ["error_rate", "p95_latency_ms", "saturation", "latency_mann_whitney", "prometheus"] as const satisfies readonly CheckKind[];
/** What a prometheus query may name; each is filled in by the server at every run. */
export const PROMQL_PLACEHOLDERS = {
  nodes: "the moved nodes' names as a regular expression alternation (for =~)",
  control: "the control nodes' names, likewise",
  release: "the target release's site version",
  environment: "the rollout's environment",
} as const;

const TEMPLATE_KEYS = ["window", "interval", "min_samples", "failure_limit", "inconclusive_limit", "error_limit", "probe", "checks"] as const;
const SATURATION_KEYS = ["cpu", "memory", "disk", "load"] as const;
const TEMPLATE_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const DEFAULTS = { windowSeconds: 300, minSamples: 30, failureLimit: 0, inconclusiveLimit: 0, errorLimit: 2 };
/** The health store keeps minutes: a window is whole minutes (rounded up), one at least. */
const MIN_WINDOW_SECONDS = 60;

/** The valid templates, and the name of every one written (a gate naming one with problems is not wrong too). */
export function readAnalysis(reader: Reader, field: Field | undefined): { templates: Map<string, AnalysisTemplate>; written: Set<string> } {
  const templates = new Map<string, AnalysisTemplate>();
  const written = new Set<string>();
  if (!field) return { templates, written };
  for (const [name, key, value] of entries(reader, field, "`analysis`")) {
    written.add(name);
    if (!TEMPLATE_NAME.test(name)) reader.report(key, `analysis name "${name}" must be lowercase letters, digits, - and _ (at most 63)`);
    const template = readTemplate(reader, name, key, value);
    if (template) templates.set(name, template);
  }
  return { templates, written };
}

function readTemplate(reader: Reader, name: string, key: Node, value: Node | null): AnalysisTemplate | undefined {
  const map = reader.map(value, `analysis ${name}`, key);
  if (!map) return undefined;
  const fields = reader.fields(map, TEMPLATE_KEYS);
  let ok = true;
  const read = <T>(k: (typeof TEMPLATE_KEYS)[number], fallback: T, get: (f: Field) => T | undefined): T => {
    const f = fields.get(k);
    if (!f) return fallback;
    const v = get(f);
    if (v === undefined) ok = false;
    return v ?? fallback;
  };
  const windowSeconds = read("window", DEFAULTS.windowSeconds, (f) => atLeast(reader, f, duration(reader, f, "`window`"), MIN_WINDOW_SECONDS, "`window`"));
  const intervalSeconds = read("interval", Math.min(windowSeconds, 60), (f) => atLeast(reader, f, duration(reader, f, "`interval`"), 1, "`interval`"));
  const count = (k: "min_samples" | "failure_limit" | "inconclusive_limit" | "error_limit", fallback: number, min: number) =>
    read(k, fallback, (f) => integer(reader, f, `\`${k}\``, min, Number.MAX_SAFE_INTEGER));
  const template: AnalysisTemplate = {
    name,
    windowSeconds,
    intervalSeconds,
    minSamples: count("min_samples", DEFAULTS.minSamples, 1),
    failureLimit: count("failure_limit", DEFAULTS.failureLimit, 0),
    inconclusiveLimit: count("inconclusive_limit", DEFAULTS.inconclusiveLimit, 0),
    errorLimit: count("error_limit", DEFAULTS.errorLimit, 0),
    checks: [],
    where: whereOf(reader.file, key),
  };
  const probe = fields.get("probe");
  if (probe) template.probe = probeName(reader, probe);
  const checks = fields.get("checks");
  const list = checks && reader.seq(checks.value, "`checks`", checks.key);
  if (!checks) reader.report(key, `analysis ${name} needs \`checks\` (e.g. - error_rate: { max: 0.01 })`);
  else if (list && list.items.length === 0) reader.report(list, `analysis ${name} has no checks`);
  for (const item of list?.items ?? []) {
    const check = readCheck(reader, reader.resolve(item), list!);
    if (check) template.checks.push(check);
    else ok = false;
  }
  return ok && list && template.checks.length > 0 ? template : undefined;
}

function readCheck(reader: Reader, node: Node | null, list: Node): AnalysisCheck | undefined {
  const one = oneOf(reader, node, list, "a check", CHECK_KINDS);
  if (!one) return undefined;
  const { kind, field } = one;
  const settings = reader.map(field.value, `\`${kind}\``, field.key);
  if (!settings) return undefined;
  const where = whereOf(reader.file, field.key);
  if (kind === "error_rate") return limits(reader, field, reader.fields(settings, ["probe", "max", "max_delta_to_control"]), { kind, where, name: kind }, 1);
  if (kind === "p95_latency_ms") return limits(reader, field, reader.fields(settings, ["probe", "max", "max_ratio_to_control"]), { kind, where, name: kind }, Infinity);
  if (kind === "saturation") return saturation(reader, field, reader.fields(settings, SATURATION_KEYS), where);
  if (kind === "latency_mann_whitney") {
    const f = reader.fields(settings, ["probe", "alpha"]);
    const alphaField = f.get("alpha");
    const alpha = alphaField ? number(reader, alphaField, "`alpha`", 0.0001, 0.5) : 0.05;
    const probe = f.get("probe") && probeName(reader, f.get("probe")!);
    if (alpha === undefined || (f.has("probe") && probe === undefined)) return undefined;
    return { kind, where, name: kind, alpha, ...(probe ? { probe } : {}) };
  }
  return prometheus(reader, field, reader.fields(settings, ["address", "query", "condition"]), where);
}

function limits(reader: Reader, field: Field, f: Map<string, Field>, base: { kind: "error_rate" | "p95_latency_ms"; where: Where; name: string }, maxOf: number): AnalysisCheck | undefined {
  const check: AnalysisCheck = { ...base };
  let ok = true;
  const put = (key: string, prop: keyof Limits, min: number, max: number): void => {
    const entry = f.get(key);
    if (!entry) return;
    const v = number(reader, entry, `\`${key}\``, min, max);
    if (v === undefined) ok = false;
    else (check as Limits)[prop] = v;
  };
  put("max", "max", 0, maxOf);
  if (base.kind === "error_rate") put("max_delta_to_control", "maxDeltaToControl", 0, 1);
  else put("max_ratio_to_control", "maxRatioToControl", 1, Infinity);
  const probe = f.get("probe");
  if (probe) {
    const name = probeName(reader, probe);
    if (name === undefined) ok = false;
    else Object.assign(check, { probe: name });
  }
  const relative = base.kind === "error_rate" ? "max_delta_to_control" : "max_ratio_to_control";
  if (ok && !f.has("max") && !f.has(relative)) {
    reader.report(field.key, `\`${base.kind}\` needs \`max\`, \`${relative}\` or both`);
    ok = false;
  }
  return ok ? check : undefined;
}

function saturation(reader: Reader, field: Field, f: Map<string, Field>, where: Where): AnalysisCheck | undefined {
  const max: { cpu?: number; memory?: number; disk?: number; load?: number } = {};
  let ok = true;
  for (const [resource, entry] of f) {
    const settings = reader.map(entry.value, `\`saturation.${resource}\``, entry.key);
    const limit = settings && reader.fields(settings, ["max"]).get("max");
    if (settings && !limit) reader.report(entry.key, `\`saturation.${resource}\` needs \`max\` (e.g. { max: 0.9 })`);
    // Load per core can exceed 1 (a queue of runnable tasks); the others are fractions of what there is.
    const v = limit && number(reader, limit, `\`saturation.${resource}.max\``, 0, resource === "load" ? Infinity : 1);
    if (v === undefined) ok = false;
    else max[resource as keyof typeof max] = v;
  }
  if (ok && f.size === 0) {
    reader.report(field.key, `\`saturation\` needs at least one of ${SATURATION_KEYS.join(", ")} (e.g. cpu: { max: 0.9 })`);
    ok = false;
  }
  return ok ? { kind: "saturation", where, name: "saturation", max } : undefined;
}

function prometheus(reader: Reader, field: Field, f: Map<string, Field>, where: Where): AnalysisCheck | undefined {
  const text = (key: "address" | "query" | "condition"): { value: string; node: Node } | undefined => {
    const entry = f.get(key);
    if (!entry) {
      reader.report(field.key, `\`prometheus\` needs \`${key}\``);
      return undefined;
    }
    const value = reader.string(entry.value, `\`prometheus.${key}\``, entry.key);
    return value === undefined ? undefined : { value, node: entry.value ?? entry.key };
  };
  const address = text("address");
  const query = text("query");
  const condition = text("condition");
  let ok = Boolean(address && query && condition);
  if (address && !/^https?:\/\/[^\s/]+\/?$/.test(address.value)) {
    reader.report(address.node, `\`prometheus.address\` must be the server's base URL, like "http://127.0.0.1:9090", not "${address.value}"`);
    ok = false;
  }
  if (query && !promqlReads(reader, query.value, query.node)) ok = false;
  const problem = condition && conditionProblem(condition.value);
  if (problem) {
    reader.report(condition!.node, `\`prometheus.condition\` ${problem}`);
    ok = false;
  }
  return ok ? { kind: "prometheus", where, name: "prometheus", address: address!.value.replace(/\/$/, ""), query: query!.value, condition: condition!.value } : undefined;
}

/**
 * What is wrong with a condition, tried once on a made-up result: a typo in a
 * variable, or an expression that gives no true or false, shows now, not at
 * the first run of a rollout.
 */
function conditionProblem(source: string): string | undefined {
  const compiled = new CelCache().compile(source);
  if (!compiled.ok) return `is not a CEL expression: ${compiled.message}`;
  const tried = compiled.program.run({ result: 0 });
  if (!tried.ok) return `cannot be evaluated: ${tried.message} (it sees one variable, \`result\`, the query's value: e.g. "result < 0.01")`;
  return typeof tried.value === "boolean" ? undefined : `must give true or false, e.g. "result < 0.01"`;
}

/** False (with a problem at the query) when it names an unknown placeholder or is not PromQL once they are filled in. */
function promqlReads(reader: Reader, query: string, node: Node): boolean {
  const unknown = [...query.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)].map((m) => m[1]).filter((p) => !Object.hasOwn(PROMQL_PLACEHOLDERS, p));
  if (unknown.length > 0) {
    reader.report(
      node,
      `\`prometheus.query\` names {{${unknown[0]}}}; the placeholders are ${Object.keys(PROMQL_PLACEHOLDERS)
        .map((p) => `{{${p}}}`)
        .join(", ")}`,
    );
    return false;
  }
  const filled = fillPlaceholders(query, { nodes: "n", control: "c", release: "r", environment: "e" });
  const error = promqlError(filled);
  if (error === undefined) return true;
  reader.report(node, `\`prometheus.query\` is not valid PromQL: it stops making sense at character ${error + 1} ("${filled.slice(Math.max(0, error - 10), error + 10)}")`);
  return false;
}

/** The query with each {{placeholder}} replaced by its value (as is: the caller escapes for its context). */
export function fillPlaceholders(query: string, values: Record<keyof typeof PROMQL_PLACEHOLDERS, string>): string {
  return query.replace(/\{\{\s*([a-z]+)\s*\}\}/g, (whole, name: string) => (Object.hasOwn(values, name) ? values[name as keyof typeof values] : whole));
}

/** Where Prometheus' own grammar (its UI's parser) first finds an error, or undefined. */
function promqlError(query: string): number | undefined {
  if (query.trim() === "") return 0;
  let at: number | undefined;
  promql.parse(query).iterate({
    enter: (n) => {
      if (at === undefined && n.type.isError) at = n.from;
      return at === undefined;
    },
  });
  return at;
}

function probeName(reader: Reader, f: Field): string | undefined {
  const name = reader.string(f.value, "`probe`", f.key);
  if (name !== undefined && !PROBE_NAME.test(name)) {
    reader.report(f.value ?? f.key, `\`probe\` must name a probe (letters, digits, ".", "_", "-"), not "${name}"`);
    return undefined;
  }
  return name;
}

function atLeast(reader: Reader, f: Field, seconds: number | undefined, min: number, what: string): number | undefined {
  if (seconds === undefined || seconds >= min) return seconds;
  reader.report(f.value ?? f.key, `${what} must be at least ${min}s`);
  return undefined;
}
