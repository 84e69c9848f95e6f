// Which nodes a rollout moves, in which order, and how many each step wants.
// The order is deterministic (a restart, or the same rollout evaluated
// twice, picks the same nodes) and differs between rollouts, so the same
// unlucky node is not always first: canaries (fact `canary: true`) first, then
// by the hash of the rollout id and the certname.
import { createHash } from "node:crypto";
import type { RolloutStep } from "../../catalog/site/delivery.js";
import type { EnvironmentNode } from "../store/rollouts.js";

export function cohortOrder(rolloutId: string, nodes: EnvironmentNode[]): string[] {
  const keyed = nodes.map((n) => ({ certname: n.certname, canary: n.canary, key: createHash("sha256").update(`${rolloutId}\0${n.certname}`).digest("hex") }));
  keyed.sort((a, b) => Number(b.canary) - Number(a.canary) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.map((n) => n.certname);
}

/** How many of `total` nodes should be on the target release once a moving step is done; undefined for other steps. */
export function movedGoal(step: RolloutStep, total: number): number | undefined {
  if (step.kind === "nodes") return Math.min(step.count, total);
  // At least one node: `percent: 1` of a small environment still moves a canary.
  if (step.kind === "percent") return Math.min(total, Math.max(1, Math.ceil((total * step.percent) / 100)));
  return undefined;
}

/** A step as people write it, for events and status lines. */
export function describeStep(step: RolloutStep): string {
  switch (step.kind) {
    case "nodes":
      return `nodes: ${step.count}`;
    case "percent":
      return `percent: ${step.percent}`;
    case "wait":
      return `wait: ${step.seconds}s`;
    case "approve":
      return "approve";
  }
}
