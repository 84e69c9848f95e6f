// Rollouts: start one into an environment, follow it, and act on it (pause,
// resume, approve, abort, rollback). Reading is for viewers; acting moves
// nodes between releases, so it is for operators, and audited.
import type { RolloutStep } from "../../../catalog/site/delivery.js";
import type { AnalysisRun } from "../../analysis/run.js";
import { describeStep } from "../../rollouts/cohorts.js";
import type { RolloutController, RolloutView } from "../../rollouts/controller.js";
import { ROLLOUT_STATES, type RolloutRecord } from "../../store/rollouts.js";
import { actorOf, requireRole } from "../auth.js";
import type { ApiInstance } from "./deps.js";
import Type, { type Static } from "typebox";
import { arrayOf, bool, idParams, int, nullable, nullableObject, nullableStr, nullableTime, num, object, opt, responses, str, time, words } from "../schemas.js";

const tags = ["rollouts"];
const stepSchema = object({ index: int, kind: str, text: str, state: words(["done", "current", "pending"]) });
const approvalSchema = object({ by: str, at: time, step: int, ticket: nullableStr });
const rolloutProperties = {
  id: str,
  environment: str,
  from_release: str,
  to_release: str,
  state: words(ROLLOUT_STATES),
  step: Type.Integer({ description: "index of the current step; equal to the number of steps once they are all done and the last nodes move" }),
  steps: arrayOf(stepSchema),
  strategy: str,
  on_failure: str,
  gates: object({
    failed_runs: Type.Union([str, int], { description: 'a share of the moved nodes ("10%") or a count' }),
    image_rollback: bool,
    report_within_seconds: int,
    analysis: nullableStr,
  }),
  baked_seconds: int,
  created_by: str,
  created_at: time,
  updated_at: time,
  ended_at: nullableTime,
  reason: nullable(
    object({
      kind: str,
      message: str,
      gate: opt(str),
      value: opt(num),
      threshold: opt(str),
      nodes: opt(arrayOf(str)),
      action: opt(str),
      by: opt(str),
    }),
    { description: "why it paused or ended: a gate (gate, value, threshold, nodes, message) or an operator (action, by, message)" },
  ),
  approvals: arrayOf(approvalSchema),
};
const rolloutSchema = object(rolloutProperties);
export type RolloutJson = Static<typeof rolloutSchema>;
const movedNodeSchema = object({
  certname: str,
  step: int,
  moved_at: time,
  health: words(["healthy", "failed", "pending", "late"]),
  image_rolled_back: bool,
  last_run: nullable(object({ run_id: str, status: str, at: time })),
});
const eventSchema = object({ at: time, kind: str, message: str, detail: nullableObject });
const rolloutDetailSchema = object({ ...rolloutProperties, nodes: arrayOf(movedNodeSchema), control: arrayOf(str), events: arrayOf(eventSchema) });
export type RolloutDetailJson = Static<typeof rolloutDetailSchema>;

const outcome = words(["pass", "fail", "inconclusive", "error"]);
const checkResultSchema = object({
  check: str,
  probe: nullableStr,
  query: nullable(str, { description: "a prometheus check's query as sent, its placeholders filled in" }),
  outcome,
  canary: nullable(num, { description: "the moved nodes' value (ms for latency checks, a fraction for rates and saturation)" }),
  control: nullable(num, { description: "the control's value, when the check compares" }),
  threshold: str,
  samples: object({ canary: int, control: int }),
  message: str,
});
const analysisRunSchema = object({ at: time, template: str, from: time, to: time, outcome, canary_nodes: int, control_nodes: int, checks: arrayOf(checkResultSchema) });
export const analysisSchema = object({ rollout: str, template: nullableStr, runs: arrayOf(analysisRunSchema) });
export type AnalysisJson = Static<typeof analysisSchema>;

const startBody = object({
  environment: Type.String({ minLength: 1, maxLength: 63 }),
  release: opt(Type.String({ minLength: 1, maxLength: 256 })),
  force: opt(bool),
  override_freeze: opt(Type.String({ minLength: 1, maxLength: 500, description: "an admin's reason to start although a spent error budget freezes the environment (audited)" })),
});
const approveBody = object({ ticket: opt(Type.String({ minLength: 1, maxLength: 200 })) });
const listQuery = object({ environment: opt(Type.String({ minLength: 1, maxLength: 63 })), limit: opt(Type.Integer({ minimum: 1, maximum: 500 })) });

/** Each step of the strategy marked done, current or pending (the dashboard shows the same marks). */
export function stepsView(r: RolloutRecord) {
  const state = (i: number): "done" | "current" | "pending" =>
    i < r.step || ["completed"].includes(r.state) ? "done" : i === r.step && !["rolled-back", "aborted"].includes(r.state) ? "current" : "pending";
  return r.strategy.steps.map((s: RolloutStep, index) => ({ index, kind: s.kind, text: describeStep(s), state: state(index) }));
}

export function rolloutView(r: RolloutRecord): RolloutJson {
  return {
    id: r.id,
    environment: r.environment,
    from_release: r.fromRelease,
    to_release: r.toRelease,
    state: r.state,
    step: r.step,
    steps: stepsView(r),
    strategy: r.strategy.name,
    on_failure: r.strategy.onFailure,
    gates: {
      failed_runs: "percent" in r.strategy.gates.failedRuns ? `${r.strategy.gates.failedRuns.percent}%` : r.strategy.gates.failedRuns.count,
      image_rollback: r.strategy.gates.imageRollback,
      report_within_seconds: r.strategy.gates.reportWithinSeconds,
      analysis: r.strategy.gates.analysis?.name ?? null,
    },
    baked_seconds: Math.floor(r.bakedMs / 1000),
    created_by: r.createdBy,
    created_at: r.createdAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
    ended_at: r.endedAt?.toISOString() ?? null,
    reason: r.reason ?? null,
    approvals: r.approvals.map((a) => ({ by: a.by, at: a.at.toISOString(), step: a.step, ticket: a.ticket ?? null })),
  };
}

/** Every analysis run of a rollout, oldest first: each check's measured values, threshold, samples and outcome. */
export function analysisView(v: RolloutView): AnalysisJson {
  const runs = v.events.flatMap((e) => (e.kind === "analysis" && e.detail?.run ? [{ at: e.at, run: e.detail.run as AnalysisRun }] : []));
  return {
    rollout: v.rollout.id,
    template: v.rollout.strategy.gates.analysis?.name ?? null,
    runs: runs.map(({ at, run }) => ({
      at: at.toISOString(),
      template: run.template,
      from: run.from,
      to: run.to,
      outcome: run.outcome,
      canary_nodes: run.canaryNodes,
      control_nodes: run.controlNodes,
      checks: run.checks.map((c) => ({
        check: c.check,
        probe: c.probe ?? null,
        query: c.query ?? null,
        outcome: c.outcome,
        canary: c.canary ?? null,
        control: c.control ?? null,
        threshold: c.threshold,
        samples: c.samples,
        message: c.message,
      })),
    })),
  };
}

export function rolloutDetailView(v: RolloutView): RolloutDetailJson {
  return {
    ...rolloutView(v.rollout),
    nodes: v.nodes.map((n) => ({
      certname: n.certname,
      step: n.step,
      moved_at: n.movedAt.toISOString(),
      health: n.health,
      image_rolled_back: n.imageRolledBack,
      last_run: n.lastRun ? { run_id: n.lastRun.runId, status: n.lastRun.status, at: n.lastRun.at.toISOString() } : null,
    })),
    control: v.control,
    events: v.events.map((e) => ({ at: e.at.toISOString(), kind: e.kind, message: e.message, detail: e.detail ?? null })),
  };
}

type Action = "pause" | "resume" | "abort" | "rollback";
const ACTIONS: Record<Action, string> = {
  pause: "pause a running rollout between evaluations: nothing moves until it is resumed (audited)",
  resume: "resume a paused rollout where it was (audited)",
  abort: "end the rollout: every moved node goes back to the stable release, which is not marked bad (audited)",
  rollback: "end the rollout: every moved node goes back to the stable release, and the target is marked bad for the environment (audited)",
};

export function rolloutRoutes(controller: RolloutController) {
  return async (app: ApiInstance): Promise<void> => {
    const viewer = requireRole("viewer");
    const operator = requireRole("operator");
    app.get(
      "/rollouts",
      { preHandler: viewer, schema: { tags, summary: "rollouts, newest first", querystring: listQuery, response: responses(object({ rollouts: arrayOf(rolloutSchema) })) } },
      async (request) => ({ rollouts: (await controller.list({ environment: request.query.environment, limit: request.query.limit ?? 50 })).map(rolloutView) }),
    );
    const admin = requireRole("admin");
    app.post(
      "/rollouts",
      {
        preHandler: operator,
        schema: { tags, summary: "start a rollout of a release (default: the newest) into an environment with a strategy (audited)", body: startBody, response: responses(rolloutDetailSchema, 201) },
      },
      async (request, reply) => {
        const { environment, release, force, override_freeze: overrideFreeze } = request.body;
        // Overriding a freeze is the admin's call, like Argo's and Spinnaker's manual overrides of a failed judge.
        if (overrideFreeze !== undefined) await admin(request);
        const started = await controller.startRollout({ environment, release, force, overrideFreeze, by: actorOf(request) });
        return reply.code(201).send(rolloutDetailView(await controller.view(started.id)));
      },
    );
    app.get(
      "/rollouts/:id",
      {
        preHandler: viewer,
        schema: { tags, summary: "one rollout: its steps, moved nodes with their health, the control, and its history", params: idParams, response: responses(rolloutDetailSchema) },
      },
      async (request) => rolloutDetailView(await controller.view(request.params.id)),
    );
    app.get(
      "/rollouts/:id/analysis",
      {
        preHandler: viewer,
        schema: { tags, summary: "a rollout's analysis runs: every check's canary and control values, threshold, sample sizes and outcome", params: idParams, response: responses(analysisSchema) },
      },
      async (request) => analysisView(await controller.view(request.params.id)),
    );
    for (const action of Object.keys(ACTIONS) as Action[]) {
      app.post(`/rollouts/:id/${action}`, { preHandler: operator, schema: { tags, summary: ACTIONS[action], params: idParams, response: responses(rolloutDetailSchema) } }, async (request) => {
        const { id } = request.params;
        const by = actorOf(request);
        if (action === "pause") await controller.pause(id, by);
        else if (action === "resume") await controller.resume(id, by);
        else await controller.end(id, by, action);
        return rolloutDetailView(await controller.view(id));
      });
    }
    app.post(
      "/rollouts/:id/approve",
      {
        preHandler: operator,
        schema: { tags, summary: "approve the step a rollout waits at; not by whoever started it (audited)", params: idParams, body: approveBody, response: responses(rolloutDetailSchema) },
      },
      async (request) => {
        await controller.approve(request.params.id, actorOf(request), request.body?.ticket);
        return rolloutDetailView(await controller.view(request.params.id));
      },
    );
  };
}
