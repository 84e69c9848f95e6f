// The analysis checks' arithmetic on hand-computed cases: the canary's P95
// against a maximum and the control's, error rates, the Mann-Whitney judge,
// saturation, and too little traffic giving inconclusive, never a pass; then
// how runs weigh against their limits.
import t from "tap";
import { Histogram } from "../../catalog/health/histogram.js";
import type { AnalysisCheck, AnalysisTemplate } from "../../catalog/site/analysis.js";
import { probeCheck, saturationCheck } from "../../server/analysis/checks.js";
import { mannWhitney, normalCdf } from "../../server/analysis/mann-whitney.js";
import type { AnalysisRun } from "../../server/analysis/run.js";
import { verdict } from "../../server/analysis/verdict.js";
import type { ProbeTotals } from "../../server/store/health.js";

const where = { file: "ancla.yaml", line: 1, column: 1 };

function template(over: Partial<AnalysisTemplate> = {}): AnalysisTemplate {
  return { name: "web-slo", windowSeconds: 60, intervalSeconds: 60, minSamples: 30, failureLimit: 0, inconclusiveLimit: 0, errorLimit: 2, checks: [], where, ...over };
}

/** `n` answered attempts at `ms` each (spread ±2 %), `errors` of them with the wrong status, plus `timeouts` unanswered. */
function totals(n: number, ms: number, errors = 0, timeouts = 0): ProbeTotals {
  const latency = new Histogram();
  for (let i = 0; i < n; i++) latency.record(ms * (0.98 + (0.04 * i) / Math.max(1, n - 1)));
  return { nodes: 1, count: n + timeouts, errors: { timeout: timeouts, refused: 0, status: errors, body: 0 }, latency };
}

const p95Check: AnalysisCheck = { kind: "p95_latency_ms", name: "p95_latency_ms", where, max: 300, maxRatioToControl: 1.5 };
const errorCheck: AnalysisCheck = { kind: "error_rate", name: "error_rate", where, max: 0.01, maxDeltaToControl: 0.005 };
const mwCheck: AnalysisCheck = { kind: "latency_mann_whitney", name: "latency_mann_whitney", where, alpha: 0.05 };

t.test("a canary three times slower fails on the ratio, with both P95s in the result", async (t) => {
  const r = probeCheck(p95Check as never, "web-http", { canary: totals(100, 150), control: totals(1000, 50) }, template());
  t.equal(r.outcome, "fail");
  t.ok(r.canary! > 140 && r.canary! < 160, `canary P95 ${r.canary}`);
  t.ok(r.control! > 45 && r.control! < 55, `control P95 ${r.control}`);
  t.same(r.samples, { canary: 100, control: 1000 });
  t.equal(r.threshold, "max 300, ratio to control ≤ 1.5");
  t.match(r.message, /× the control's .* ms \(allowed: 1.5×\)/);
});

t.test("a canary as fast as the control passes; one over the maximum fails whatever the control", async (t) => {
  t.equal(probeCheck(p95Check as never, "web-http", { canary: totals(100, 50), control: totals(1000, 50) }, template()).outcome, "pass");
  const slow = probeCheck(p95Check as never, "web-http", { canary: totals(100, 400), control: totals(1000, 390) }, template());
  t.equal(slow.outcome, "fail");
  t.match(slow.message, /P95 .* ms is over 300 ms/);
});

t.test("once every node has moved there is no control: absolute limits decide, comparisons are skipped", async (t) => {
  const empty = totals(0, 50);
  const p95 = probeCheck(p95Check as never, "web-http", { canary: totals(100, 150), control: empty, noControl: true }, template());
  t.equal(p95.outcome, "pass", "150 ms is under the 300 ms maximum; the ratio cannot be taken");
  t.match(p95.message, /no control left \(every node is on the release\)/);
  const over = probeCheck(p95Check as never, "web-http", { canary: totals(100, 400), control: empty, noControl: true }, template());
  t.equal(over.outcome, "fail", "the maximum still applies");
  const errors = probeCheck(errorCheck as never, "web-http", { canary: totals(100, 50, 5), control: empty, noControl: true }, template());
  t.equal(errors.outcome, "fail", "5 % errors are over the 1 % maximum");
  t.equal(probeCheck(mwCheck as never, "web-http", { canary: totals(100, 50), control: empty, noControl: true }, template()).outcome, "pass");
  t.equal(probeCheck(p95Check as never, "web-http", { canary: totals(10, 50), control: empty, noControl: true }, template()).outcome, "inconclusive", "the canary still needs min_samples");
});

t.test("too little traffic on either side is inconclusive, and says which", async (t) => {
  const few = probeCheck(p95Check as never, "web-http", { canary: totals(12, 50), control: totals(1000, 50) }, template());
  t.equal(few.outcome, "inconclusive");
  t.match(few.message, "the canary has 12 answered attempts, fewer than min_samples 30");
  const noControl = probeCheck(errorCheck as never, "web-http", { canary: totals(100, 50), control: totals(3, 50) }, template());
  t.equal(noControl.outcome, "inconclusive");
  t.match(noControl.message, "the control has 3 attempts");
  const maxOnly: AnalysisCheck = { kind: "error_rate", name: "error_rate", where, max: 0.01 };
  t.equal(probeCheck(maxOnly as never, "web-http", { canary: totals(100, 50), control: totals(0, 50) }, template()).outcome, "pass", "a limit on the canary alone needs no control");
  const silent = probeCheck(p95Check as never, "web-http", { canary: totals(0, 50, 0, 40), control: totals(1000, 50) }, template());
  t.equal(silent.outcome, "inconclusive", "a canary whose every attempt timed out has no latency to judge (error_rate catches it)");
});

t.test("error rate: 5 % on the canary fails; the same on both fails only the absolute limit", async (t) => {
  const r = probeCheck(errorCheck as never, "web-http", { canary: totals(100, 50, 5), control: totals(1000, 50) }, template());
  t.equal(r.outcome, "fail");
  t.equal(r.canary, 0.05);
  t.equal(r.control, 0);
  t.match(r.message, "the canary's error rate 5% is over 1%; it is 5% above the control's 0% (allowed: 0.5%) (5 status)");
  const deltaOnly: AnalysisCheck = { kind: "error_rate", name: "error_rate", where, maxDeltaToControl: 0.005 };
  t.equal(probeCheck(deltaOnly as never, "web-http", { canary: totals(100, 50, 5), control: totals(1000, 50, 50) }, template()).outcome, "pass", "both at 5 %: no regression");
  const timeouts = probeCheck(errorCheck as never, "web-http", { canary: totals(90, 50, 0, 10), control: totals(1000, 50) }, template());
  t.equal(timeouts.outcome, "fail");
  t.match(timeouts.message, "(10 timeout)");
});

t.test("Mann-Whitney U against a hand-computed case", async (t) => {
  // Canary {3, 4, 5} ms, control {1, 2} ms, all in distinct buckets: every pair has the canary slower.
  const canary = new Histogram();
  for (const ms of [3, 4, 5]) canary.record(ms);
  const control = new Histogram();
  for (const ms of [1, 2]) control.record(ms);
  const r = mannWhitney(canary, control);
  t.equal(r.u, 6);
  // mean 3, variance 3·2/12·6 = 3, z = (6 − 3 − 0.5)/√3
  t.ok(Math.abs(r.z - 2.5 / Math.sqrt(3)) < 1e-12, `z ${r.z}`);
  t.ok(Math.abs(r.p - (1 - normalCdf(2.5 / Math.sqrt(3)))) < 1e-12);
  t.ok(Math.abs(normalCdf(1.959964) - 0.975) < 1e-6, "Φ(1.96) = 0.975");
  t.ok(Math.abs(normalCdf(-1) - 0.158655) < 1e-6, "Φ(−1) = 0.1587");
  const same = mannWhitney(canary, canary);
  t.ok(same.p > 0.4, "a cohort against itself shows no shift");
  const tie = new Histogram();
  tie.record(5);
  t.equal(mannWhitney(tie, tie).p, 0.5, "every sample tied: no evidence either way");
});

t.test("the Mann-Whitney check fails a slower canary and passes a like one", async (t) => {
  t.equal(probeCheck(mwCheck as never, "web-http", { canary: totals(200, 150), control: totals(2000, 50) }, template()).outcome, "fail");
  const like = probeCheck(mwCheck as never, "web-http", { canary: totals(200, 50), control: totals(2000, 50) }, template());
  t.equal(like.outcome, "pass");
  t.match(like.message, /no significant slowdown \(p [0-9.]+; median/);
});

t.test("saturation: the busiest moved node against the limit, the control's mean beside it", async (t) => {
  const node = (certname: string, cpu: number) => ({ certname, minutes: 5, cpu, memory: 0.4, disk: 0.5, load: 0.3 });
  const check: AnalysisCheck = { kind: "saturation", name: "saturation", where, max: { cpu: 0.8, memory: 0.9 } };
  const [cpu, memory] = saturationCheck(check as never, [node("a", 0.5), node("b", 0.95)], [node("c", 0.2), node("d", 0.4)]);
  t.match(cpu, { probe: "cpu", outcome: "fail", canary: 0.95, control: 0.3, threshold: "max 0.8", samples: { canary: 10, control: 10 } });
  t.match(cpu.message, "cpu on b is 0.95, over 0.8");
  t.match(memory, { probe: "memory", outcome: "pass" });
  t.equal(saturationCheck(check as never, [], [])[0].outcome, "inconclusive");
});

const run = (outcome: AnalysisRun["outcome"], from = "2026-12-02T10:00:00.000Z"): AnalysisRun => ({
  template: "web-slo",
  from,
  to: from,
  outcome,
  canaryNodes: 1,
  controlNodes: 9,
  checks: [{ check: "error_rate", probe: "web-http", outcome, threshold: "max 0.01", samples: { canary: 100, control: 900 }, message: `it was ${outcome}` }],
});

t.test("runs weigh against their own limits", async (t) => {
  const moved = new Date("2026-12-02T09:59:00Z");
  t.same(verdict(template(), [], moved), { kind: "continue", promotable: false }, "no run yet: nothing promotes");
  t.same(verdict(template(), [run("pass")], moved), { kind: "continue", promotable: true });
  t.same(verdict(template(), [run("pass", "2026-12-02T09:58:00Z")], moved), { kind: "continue", promotable: false }, "a pass over a window from before the latest move does not promote");
  t.match(verdict(template(), [run("pass"), run("fail")], moved), { kind: "fail", count: 1, limit: 0, message: "analysis web-slo failed once (failure_limit 0): error_rate (web-http): it was fail" });
  t.same(verdict(template({ failureLimit: 1 }), [run("fail"), run("pass")], moved), { kind: "continue", promotable: true }, "within failure_limit");
  t.match(verdict(template(), [run("inconclusive")], moved), { kind: "pause", outcome: "inconclusive", message: /was inconclusive once \(inconclusive_limit 0\).*resume when it can be decided/ });
  t.same(verdict(template({ inconclusiveLimit: 2 }), [run("inconclusive")], moved), { kind: "continue", promotable: false }, "inconclusive within its limit never promotes");
  t.same(verdict(template(), [run("error"), run("error")], moved), { kind: "continue", promotable: false }, "two errors are within the default error_limit 2");
  t.match(verdict(template(), [run("error"), run("error"), run("error")], moved), { kind: "pause", outcome: "error", count: 3 });
});
