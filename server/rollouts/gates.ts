// The gates on a rollout's moved nodes, evaluated on every tick while a step
// bakes: a node that failed its run on the target release, an image that
// rolled back, a node that has not reported on the target release in time.
// A node that never becomes healthy is a failure, not a silent wait.
import type { RolloutGates } from "../../catalog/site/delivery.js";
import type { Report } from "../../proto/gen/ancla/v1/agent_pb.js";
import type { Store } from "../store/store.js";
import type { GateFailure, RolloutNode } from "../store/rollouts.js";

export type Health = "healthy" | "failed" | "pending" | "late";

export interface MovedNodeState {
  certname: string;
  health: Health;
  /** Its run on the target release switched an image back. */
  imageRolledBack: boolean;
  /** Its last run on the target release, when it has one. */
  lastRun?: { runId: string; status: string; at: Date };
}

/** Where a node's health is read from: the store's reports and compile failures. */
export type HealthSource = Pick<Store, "reports" | "catalogs">;

const IMAGE_ROLLED_BACK = "ANCLA_E_IMAGE_ROLLED_BACK";

export async function movedNodeState(node: RolloutNode, target: string, gates: RolloutGates, now: Date, source: HealthSource): Promise<MovedNodeState> {
  const { certname, movedAt } = node;
  const run = await source.reports.latestReportSummary(certname);
  // A noop run shows nothing about applying the release; one from before the move is about another release.
  if (run && run.siteVersion === target && !run.noop && run.receivedAt >= movedAt) {
    const lastRun = { runId: run.runId, status: run.status, at: run.receivedAt };
    if (run.status !== "failed") return { certname, health: "healthy", imageRolledBack: false, lastRun };
    return { certname, health: "failed", imageRolledBack: imageRolledBack(await source.reports.latestReport(certname)), lastRun };
  }
  const compile = await source.catalogs.getCompileFailure(certname);
  // It cannot even be compiled at the target release: as failed as a run.
  if (compile && compile.siteVersion === target && compile.at >= movedAt) return { certname, health: "failed", imageRolledBack: false };
  const late = now.getTime() - movedAt.getTime() > gates.reportWithinSeconds * 1000;
  return { certname, health: late ? "late" : "pending", imageRolledBack: false };
}

function imageRolledBack(report: Report | undefined): boolean {
  return report?.logs.some((l) => l.code === IMAGE_ROLLED_BACK) ?? false;
}

/** The first gate that fails, most specific first; undefined while all hold. */
export function failingGate(gates: RolloutGates, moved: MovedNodeState[]): GateFailure | undefined {
  const names = (f: (s: MovedNodeState) => boolean): string[] => moved.filter(f).map((s) => s.certname);
  const rolledBack = names((s) => s.imageRolledBack);
  if (gates.imageRollback && rolledBack.length > 0) {
    return { gate: "image_rollback", value: rolledBack.length, threshold: "0", nodes: rolledBack, message: `an image rolled back on ${list(rolledBack)}` };
  }
  const failed = names((s) => s.health === "failed");
  const limit = gates.failedRuns;
  const value = "percent" in limit ? round((failed.length * 100) / Math.max(1, moved.length)) : failed.length;
  const threshold = "percent" in limit ? `${limit.percent}%` : String(limit.count);
  if (failed.length > 0 && value > ("percent" in limit ? limit.percent : limit.count)) {
    const measured = "percent" in limit ? `${value}% of ${moved.length} moved nodes` : `${value} node(s)`;
    return { gate: "failed_runs", value, threshold, nodes: failed, message: `runs on the target release failed on ${measured} (allowed: ${threshold}): ${list(failed)}` };
  }
  const late = names((s) => s.health === "late");
  if (late.length > 0) {
    return {
      gate: "report_within",
      value: late.length,
      threshold: `${gates.reportWithinSeconds}s`,
      nodes: late,
      message: `${list(late)} did not report a run on the target release within ${gates.reportWithinSeconds}s of being moved`,
    };
  }
  return undefined;
}

function list(names: string[]): string {
  return names.length <= 5 ? names.join(", ") : `${names.slice(0, 5).join(", ")} and ${names.length - 5} more`;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
