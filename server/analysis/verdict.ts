// What a rollout does about its analysis runs so far (since it started or
// was last resumed): each outcome is counted against its own limit. More
// fails than failure_limit act as the strategy's on_failure says; more
// inconclusive or error runs than their limits pause the rollout for a
// person (too little traffic or a broken Prometheus is not evidence of a bad
// release, and never a reason to promote: flagger #1816). A step is done only
// once a run whose whole window came after the latest move passed.
import type { AnalysisTemplate } from "../../catalog/site/analysis.js";
import type { AnalysisRun } from "./run.js";

export type Verdict =
  | { kind: "fail"; count: number; limit: number; message: string }
  | { kind: "pause"; outcome: "inconclusive" | "error"; count: number; limit: number; message: string }
  | { kind: "continue"; promotable: boolean };

export function verdict(template: AnalysisTemplate, runs: readonly AnalysisRun[], lastMovedAt: Date | undefined): Verdict {
  const count = (o: AnalysisRun["outcome"]): AnalysisRun[] => runs.filter((r) => r.outcome === o);
  const failed = count("fail");
  if (failed.length > template.failureLimit) {
    return {
      kind: "fail",
      count: failed.length,
      limit: template.failureLimit,
      message: `analysis ${template.name} failed ${times(failed.length)} (failure_limit ${template.failureLimit}): ${why(failed.at(-1)!, "fail")}`,
    };
  }
  for (const outcome of ["error", "inconclusive"] as const) {
    const runsOf = count(outcome);
    const limit = outcome === "error" ? template.errorLimit : template.inconclusiveLimit;
    if (runsOf.length > limit) {
      const message = `analysis ${template.name} was ${outcome} ${times(runsOf.length)} (${outcome}_limit ${limit}): ${why(runsOf.at(-1)!, outcome)}; resume when it can be decided`;
      return { kind: "pause", outcome, count: runsOf.length, limit, message };
    }
  }
  const last = runs.at(-1);
  const promotable = last !== undefined && last.outcome === "pass" && (lastMovedAt === undefined || new Date(last.from) >= lastMovedAt);
  return { kind: "continue", promotable };
}

/** The messages of the run's checks with that outcome: the numbers behind the decision. */
function why(run: AnalysisRun, outcome: AnalysisRun["outcome"]): string {
  return run.checks
    .filter((c) => c.outcome === outcome)
    .map((c) => `${c.check}${c.probe ? ` (${c.probe})` : ""}: ${c.message}`)
    .join("; ");
}

function times(n: number): string {
  return n === 1 ? "once" : `${n} times`;
}
