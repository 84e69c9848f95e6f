// One analysis run: every check of a template over the window that ends now,
// the rollout's moved nodes (the canary) against the nodes not moved yet (the
// control), both read from the health store over the same window of server
// time. The run's outcome is its worst check's: fail, then error, then
// inconclusive; pass only when every check passed.
import type { AnalysisCheck, AnalysisTemplate } from "../../catalog/site/analysis.js";
import { MINUTE_MS, type HealthStore, type ProbeTotals } from "../store/health.js";
import { probeCheck, saturationCheck, type CheckResult, type Outcome } from "./checks.js";
import { prometheusCheck, type QueryContext } from "./prometheus.js";

export interface AnalysisRun {
  template: string;
  /** The window, in server time (ISO 8601): whole minutes, ending at the last minute the agents have finished reporting (analysisWindow). */
  from: string;
  to: string;
  outcome: Outcome;
  canaryNodes: number;
  controlNodes: number;
  checks: CheckResult[];
}

export type HealthReads = Pick<HealthStore, "probeTotals" | "saturation" | "nodeProbes">;

export interface AnalysisDeps {
  health: HealthReads;
  prometheusTimeoutMs?: number;
}

const WORST_FIRST: readonly Outcome[] = ["fail", "error", "inconclusive", "pass"];
/** Probes read from this many canary nodes when a template names none. */
const PROBE_DISCOVERY_NODES = 20;

/**
 * How long after a minute ends its health is taken as complete: an agent
 * sends a window every health_window (10 s by default) and the window is
 * placed where it ended, so the minute's last windows arrive this soon after.
 */
export const REPORTING_GRACE_MS = 15_000;

/**
 * The window a run made at `now` reads. The health store keeps minutes, so a
 * window is whole minutes (the template's rounded up) ending at the last
 * minute that is complete: a partial minute would weigh a few seconds as a
 * minute, and a window starting mid-minute would count data from before a
 * move.
 */
export function analysisWindow(windowSeconds: number, now: Date): { from: Date; to: Date } {
  const to = Math.floor((now.getTime() - REPORTING_GRACE_MS) / MINUTE_MS) * MINUTE_MS;
  return { from: new Date(to - wholeMinutesMs(windowSeconds)), to: new Date(to) };
}

/** How long after a move the first run's window lies wholly after it (the controller waits this long). */
export function firstRunDelayMs(windowSeconds: number): number {
  return wholeMinutesMs(windowSeconds) + MINUTE_MS + REPORTING_GRACE_MS;
}

function wholeMinutesMs(seconds: number): number {
  return Math.ceil((seconds * 1000) / MINUTE_MS) * MINUTE_MS;
}

export async function runAnalysis(template: AnalysisTemplate, ctx: QueryContext, now: Date, deps: AnalysisDeps): Promise<AnalysisRun> {
  const { from, to } = analysisWindow(template.windowSeconds, now);
  // Checks on one probe (error rate, P95, Mann-Whitney) share its cohorts' totals: read once per run.
  const read = new Map<string, Promise<[ProbeTotals, ProbeTotals]>>();
  const cohorts = (probe: string) => {
    let hit = read.get(probe);
    if (!hit) read.set(probe, (hit = Promise.all([deps.health.probeTotals(probe, ctx.canary, from, to), deps.health.probeTotals(probe, ctx.control, from, to)])));
    return hit;
  };
  const checks: CheckResult[] = [];
  for (const check of template.checks) checks.push(...(await runCheck(check, template, ctx, from, to, deps, cohorts)));
  const outcome = WORST_FIRST.find((o) => checks.some((c) => c.outcome === o)) ?? "inconclusive";
  return { template: template.name, from: from.toISOString(), to: to.toISOString(), outcome, canaryNodes: ctx.canary.length, controlNodes: ctx.control.length, checks };
}

async function runCheck(
  check: AnalysisCheck,
  template: AnalysisTemplate,
  ctx: QueryContext,
  from: Date,
  to: Date,
  deps: AnalysisDeps,
  cohorts: (probe: string) => Promise<[ProbeTotals, ProbeTotals]>,
): Promise<CheckResult[]> {
  try {
    if (check.kind === "prometheus") return [await prometheusCheck(check, ctx, deps.prometheusTimeoutMs)];
    if (check.kind === "saturation") return saturationCheck(check, await deps.health.saturation(ctx.canary, from, to), await deps.health.saturation(ctx.control, from, to));
    const probes = (check.probe ?? template.probe) ? [check.probe ?? template.probe!] : await probesOf(ctx.canary, from, to, deps.health);
    if (probes.length === 0) {
      return [{ check: check.kind, outcome: "inconclusive", threshold: "", samples: { canary: 0, control: 0 }, message: "no moved node reported any probe in the window" }];
    }
    const results: CheckResult[] = [];
    for (const probe of probes) {
      const [canary, control] = await cohorts(probe);
      results.push(probeCheck(check, probe, { canary, control, noControl: ctx.control.length === 0 }, template));
    }
    return results;
  } catch (err) {
    // The store failing is no measurement: an error, counted against error_limit, never a pass or a fail.
    return [{ check: check.kind, outcome: "error", threshold: "", samples: { canary: 0, control: 0 }, message: `the check could not be made: ${(err as Error).message}` }];
  }
}

/** The probes a few canary nodes reported, when the template names none. */
async function probesOf(canary: readonly string[], from: Date, to: Date, health: HealthReads): Promise<string[]> {
  const names = new Set<string>();
  for (const certname of canary.slice(0, PROBE_DISCOVERY_NODES)) for (const p of await health.nodeProbes(certname, from, to)) names.add(p.probe);
  return [...names].sort();
}
