// One analysis check against what the canary and the control measured over
// the same window. Every result carries the measured values, the threshold
// and the sample sizes, so a decision can always be read back; too few
// samples make a check inconclusive, never a pass.
import type { AnalysisCheck, AnalysisTemplate } from "../../catalog/site/analysis.js";
import { errorTotal, type NodeSaturation, type ProbeTotals } from "../store/health.js";
import { mannWhitney } from "./mann-whitney.js";

export type Outcome = "pass" | "fail" | "inconclusive" | "error";

export interface CheckResult {
  check: AnalysisCheck["kind"];
  probe?: string;
  /** A prometheus check's query as sent, placeholders filled in. */
  query?: string;
  outcome: Outcome;
  canary?: number;
  control?: number;
  /** The limits as written, e.g. "max 300, ratio to control ≤ 1.5". */
  threshold: string;
  samples: { canary: number; control: number };
  message: string;
}

/** What one probe measured on each cohort. */
export interface ProbeCohorts {
  canary: ProbeTotals;
  control: ProbeTotals;
  /**
   * Every node of the environment has moved (the last step): there is no
   * control to compare with, so only the absolute limits decide, and a
   * comparison-only check passes saying so. Otherwise a rollout could never
   * complete, since it would wait for a comparison that cannot be made.
   */
  noControl?: boolean;
}

const NO_CONTROL = "no control left (every node is on the release): only absolute limits apply";

type ProbeCheck = Extract<AnalysisCheck, { kind: "error_rate" | "p95_latency_ms" | "latency_mann_whitney" }>;

export function probeCheck(check: ProbeCheck, probe: string, data: ProbeCohorts, template: AnalysisTemplate): CheckResult {
  if (check.kind === "error_rate") return errorRate(check, probe, data, template.minSamples);
  if (check.kind === "p95_latency_ms") return p95(check, probe, data, template.minSamples);
  return latencyShift(check, probe, data, template.minSamples);
}

function errorRate(check: Extract<AnalysisCheck, { kind: "error_rate" }>, probe: string, { canary, control, noControl }: ProbeCohorts, min: number): CheckResult {
  const threshold = limitsText(check.max, check.maxDeltaToControl, "delta to control ≤");
  const samples = { canary: canary.count, control: control.count };
  const base = { check: check.kind, probe, threshold, samples };
  const delta = noControl ? undefined : check.maxDeltaToControl;
  const short = tooFew(samples, min, delta !== undefined, "attempts");
  const canaryRate = canary.count > 0 ? errorTotal(canary.errors) / canary.count : undefined;
  const controlRate = control.count > 0 ? errorTotal(control.errors) / control.count : undefined;
  const measured = { canary: canaryRate, control: controlRate };
  if (short) return { ...base, ...measured, outcome: "inconclusive", message: short };
  const over: string[] = [];
  if (check.max !== undefined && canaryRate! > check.max) over.push(`the canary's error rate ${pct(canaryRate!)} is over ${pct(check.max)}`);
  if (delta !== undefined && canaryRate! - controlRate! > delta) {
    over.push(`it is ${pct(canaryRate! - controlRate!)} above the control's ${pct(controlRate!)} (allowed: ${pct(delta)})`);
  }
  const kinds = errorKinds(canary);
  return over.length > 0
    ? { ...base, ...measured, outcome: "fail", message: `${over.join("; ")}${kinds ? ` (${kinds})` : ""}` }
    : {
        ...base,
        ...measured,
        outcome: "pass",
        message: `error rate ${pct(canaryRate!)} on the canary, ${noControl ? NO_CONTROL : controlRate === undefined ? "no control" : `${pct(controlRate)} on the control`}`,
      };
}

function p95(check: Extract<AnalysisCheck, { kind: "p95_latency_ms" }>, probe: string, { canary, control, noControl }: ProbeCohorts, min: number): CheckResult {
  const threshold = limitsText(check.max, check.maxRatioToControl, "ratio to control ≤");
  const samples = { canary: canary.latency.total, control: control.latency.total };
  const measured = { canary: round(canary.latency.quantile(0.95)), control: round(control.latency.quantile(0.95)) };
  const base = { check: check.kind, probe, threshold, samples, ...measured };
  const maxRatio = noControl ? undefined : check.maxRatioToControl;
  const short = tooFew(samples, min, maxRatio !== undefined, "answered attempts");
  if (short) return { ...base, outcome: "inconclusive", message: short };
  const over: string[] = [];
  if (check.max !== undefined && measured.canary! > check.max) over.push(`the canary's P95 ${measured.canary} ms is over ${check.max} ms`);
  const ratio = measured.control! > 0 ? measured.canary! / measured.control! : undefined;
  if (maxRatio !== undefined && ratio !== undefined && ratio > maxRatio) {
    over.push(`it is ${ratio.toFixed(2)}× the control's ${measured.control} ms (allowed: ${maxRatio}×)`);
  }
  return over.length > 0
    ? { ...base, outcome: "fail", message: over.join("; ") }
    : {
        ...base,
        outcome: "pass",
        message: `P95 ${measured.canary} ms on the canary, ${noControl ? NO_CONTROL : measured.control === undefined ? "no control" : `${measured.control} ms on the control`}`,
      };
}

/**
 * Fails when the canary's latencies are significantly higher (p < alpha) and
 * its median is more than one bucket (9 %) above the control's: with
 * thousands of control samples the test alone would flag shifts nobody feels.
 */
function latencyShift(check: Extract<AnalysisCheck, { kind: "latency_mann_whitney" }>, probe: string, { canary, control, noControl }: ProbeCohorts, min: number): CheckResult {
  const samples = { canary: canary.latency.total, control: control.latency.total };
  const medians = { canary: round(canary.latency.quantile(0.5)), control: round(control.latency.quantile(0.5)) };
  const base = { check: check.kind, probe, threshold: `p ≥ ${check.alpha}`, samples, ...medians };
  if (noControl) return { ...base, outcome: "pass", message: `${NO_CONTROL}; this check only compares` };
  const short = tooFew(samples, min, true, "answered attempts");
  if (short) return { ...base, outcome: "inconclusive", message: short };
  const test = mannWhitney(canary.latency, control.latency);
  const shifted = medians.canary! > medians.control! * 2 ** (1 / 8);
  const p = test.p < 0.0001 ? "< 0.0001" : test.p.toFixed(4);
  return test.p < check.alpha && shifted
    ? { ...base, outcome: "fail", message: `the canary is slower than the control (Mann-Whitney U ${test.u}, p ${p} < ${check.alpha}; median ${medians.canary} ms vs ${medians.control} ms)` }
    : { ...base, outcome: "pass", message: `no significant slowdown (p ${p}; median ${medians.canary} ms vs ${medians.control} ms)` };
}

/** The busiest moved node's mean over the window, per resource limited; the control's mean alongside. */
export function saturationCheck(check: Extract<AnalysisCheck, { kind: "saturation" }>, canary: NodeSaturation[], control: NodeSaturation[]): CheckResult[] {
  return (Object.entries(check.max) as [keyof typeof check.max, number][]).map(([resource, max]) => {
    const worst = canary.reduce<NodeSaturation | undefined>((a, b) => (a === undefined || b[resource] > a[resource] ? b : a), undefined);
    const controlMean = control.length > 0 ? round(control.reduce((s, n) => s + n[resource], 0) / control.length, 3) : undefined;
    const base = {
      check: check.kind,
      probe: resource,
      threshold: `max ${max}`,
      samples: { canary: canary.reduce((s, n) => s + n.minutes, 0), control: control.reduce((s, n) => s + n.minutes, 0) },
      canary: worst && round(worst[resource], 3),
      control: controlMean,
    };
    if (!worst) return { ...base, outcome: "inconclusive", message: `no moved node reported its ${resource} in the window` };
    return worst[resource] > max
      ? { ...base, outcome: "fail", message: `${resource} on ${worst.certname} is ${round(worst[resource], 3)}, over ${max}` }
      : { ...base, outcome: "pass", message: `${resource} at most ${round(worst[resource], 3)} (${worst.certname})` };
  });
}

function tooFew(samples: { canary: number; control: number }, min: number, needsControl: boolean, what: string): string | undefined {
  if (samples.canary < min) return `too little traffic: the canary has ${samples.canary} ${what}, fewer than min_samples ${min}`;
  if (needsControl && samples.control < min) return `too little traffic: the control has ${samples.control} ${what}, fewer than min_samples ${min}`;
  return undefined;
}

function errorKinds(t: ProbeTotals): string {
  return Object.entries(t.errors)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${n} ${kind}`)
    .join(", ");
}

function limitsText(max: number | undefined, relative: number | undefined, relativeText: string): string {
  return [max !== undefined ? `max ${max}` : "", relative !== undefined ? `${relativeText} ${relative}` : ""].filter(Boolean).join(", ");
}

function pct(fraction: number): string {
  return `${round(fraction * 100, 2)}%`;
}

function round(n: number | undefined, digits = 1): number | undefined {
  if (n === undefined) return undefined;
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
