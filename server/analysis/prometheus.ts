// A `prometheus:` check: an instant PromQL query against the user's own
// Prometheus, its placeholders filled in with the rollout's cohorts, and a
// CEL condition on the one value it gives. An unreachable or failing
// Prometheus is an error (the rollout pauses at error_limit), never a fail;
// an empty answer is inconclusive, never a pass (argo-rollouts #1905).
import type { AnalysisCheck } from "../../catalog/site/analysis.js";
import { fillPlaceholders } from "../../catalog/site/analysis.js";
import { CelCache } from "../../catalog/expr/cel.js";
import type { CheckResult } from "./checks.js";

type PrometheusCheck = Extract<AnalysisCheck, { kind: "prometheus" }>;

export interface QueryContext {
  canary: readonly string[];
  control: readonly string[];
  release: string;
  environment: string;
}

const TIMEOUT_MS = 10_000;
const conditions = new CelCache();

export async function prometheusCheck(check: PrometheusCheck, ctx: QueryContext, timeoutMs = TIMEOUT_MS): Promise<CheckResult> {
  const query = fillPlaceholders(check.query, {
    nodes: alternation(ctx.canary),
    control: alternation(ctx.control),
    release: stringSafe(ctx.release),
    environment: stringSafe(ctx.environment),
  });
  const base = { check: check.kind, query, threshold: check.condition, samples: { canary: ctx.canary.length, control: ctx.control.length } };
  const answer = await instantQuery(check.address, query, timeoutMs);
  if (!answer.ok) return { ...base, outcome: "error", message: answer.message };
  if (answer.values.length === 0) return { ...base, outcome: "inconclusive", message: "the query returned no series: nothing was measured yet (or the query names no existing metric)" };
  if (answer.values.length > 1) return { ...base, outcome: "error", message: `the query returned ${answer.values.length} series; aggregate it to one value (e.g. sum(...) or max(...))` };
  const result = answer.values[0];
  if (Number.isNaN(result)) return { ...base, canary: result, outcome: "inconclusive", message: "the query's value is NaN (a rate over no samples?)" };
  const compiled = conditions.compile(check.condition);
  const ran = compiled.ok ? compiled.program.run({ result }) : { ok: false as const, message: compiled.message };
  if (!ran.ok || typeof ran.value !== "boolean")
    return { ...base, canary: result, outcome: "error", message: `the condition cannot be evaluated on ${result}: ${ran.ok ? "it gives no true or false" : ran.message}` };
  return { ...base, canary: result, outcome: ran.value ? "pass" : "fail", message: `${check.condition} is ${ran.value} for result = ${result}` };
}

type Answer = { ok: true; values: number[] } | { ok: false; message: string };

async function instantQuery(address: string, query: string, timeoutMs: number): Promise<Answer> {
  const url = `${address}/api/v1/query?${new URLSearchParams({ query })}`;
  let body: { status?: string; error?: string; errorType?: string; data?: { resultType?: string; result?: unknown } };
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    body = (await res.json().catch(() => ({ status: "error", error: `HTTP ${res.status} with a body that is not JSON` }))) as typeof body;
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    return { ok: false, message: `Prometheus at ${address} cannot be reached (${cause})` };
  }
  if (body.status !== "success") return { ok: false, message: `Prometheus refused the query: ${body.errorType ?? "error"}: ${body.error ?? "no reason given"}` };
  return valuesOf(body.data?.resultType, body.data?.result);
}

/** A scalar, or an instant vector's sample values; a matrix or a string is not a condition's input. */
function valuesOf(type: string | undefined, result: unknown): Answer {
  if (type === "scalar" && Array.isArray(result)) return { ok: true, values: [Number(result[1])] };
  if (type === "vector" && Array.isArray(result)) return { ok: true, values: result.map((s: { value: [number, string] }) => Number(s.value[1])) };
  return { ok: false, message: `the query gives a ${type ?? "nothing"}; it must give a scalar or an instant vector` };
}

/** Names as a regular expression matching exactly them, safe inside a PromQL double-quoted string. */
function alternation(names: readonly string[]): string {
  // A cohort with no nodes matches no series rather than every series.
  if (names.length === 0) return "__no_node__";
  return stringSafe(names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"));
}

function stringSafe(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/"/g, '\\"');
}
