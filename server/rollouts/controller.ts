// The rollout controller: moves an environment's nodes from its stable
// release to a target release in the steps of its strategy, evaluating the
// gates on the moved nodes all along, and rolls back (or pauses) by itself
// when one fails. It also answers, on every check-in, which release a node
// is to be compiled at (releaseFor).
//
// Every decision is written to the store before it is acted on (nodes are
// recorded as moved before they are asked to run; a step is recorded as done
// before the next starts), so a server killed at any point resumes where it
// was: a step is never done twice or skipped. A `wait` step bakes on the
// server's monotonic clock, saved as time baked so far, so neither a restart
// nor a jump of the wall clock shortens or lengthens it.
import { randomBytes } from "node:crypto";
import { strategyOf, type DeliveryPolicy, type RolloutStep } from "../../catalog/site/delivery.js";
import { AnclaError } from "../../core/errors.js";
import type { Logger } from "../log.js";
import type { ReleaseStore, ReleaseSummary } from "../store/store.js";
import { ENDED_STATES, type GateFailure, type RolloutEvent, type RolloutNode, type RolloutReason, type RolloutRecord, type RolloutStore } from "../store/rollouts.js";
import { firstRunDelayMs, runAnalysis, type AnalysisDeps, type AnalysisRun } from "../analysis/run.js";
import { verdict, type Verdict } from "../analysis/verdict.js";
import type { SloBudgets } from "../slo/service.js";
import { cohortOrder, describeStep, movedGoal } from "./cohorts.js";
import { failingGate, movedNodeState, type HealthSource, type MovedNodeState } from "./gates.js";

/** Asks nodes to check in at once (server/watch); nodes not connected run at their next interval. */
export interface RunNow {
  nudge(certnames: string[], opts: { reason: string; noop?: boolean }): { sent: string[]; notConnected: string[] };
}

export interface RolloutControllerDeps {
  store: RolloutStore;
  health: HealthSource;
  releases: Pick<ReleaseStore, "listReleases" | "getRelease">;
  /** The site's current version and its delivery policy. */
  site: { version(): Promise<string>; policy(version: string): Promise<DeliveryPolicy> };
  runNow?: RunNow;
  /** Where `analysis` gates read the probes' health from; a rollout whose strategy has one pauses without it. */
  analysis?: AnalysisDeps;
  /** The SLOs' budgets: an environment with freeze_on_exhausted_budget starts no rollout while one is spent. */
  budgets?: Pick<SloBudgets, "freezing">;
  /** Told each operator action and each decision the controller takes by itself (the audit log). */
  audit?: (actor: string, action: string, target: string, detail: Record<string, unknown>) => Promise<void>;
  logger: Logger;
  now?: () => Date;
  /** Milliseconds of a monotonic clock (performance.now in production). */
  monotonic?: () => number;
  /** How often rollouts are evaluated. */
  tickMs?: number;
}

export interface RolloutView {
  rollout: RolloutRecord;
  nodes: (RolloutNode & MovedNodeState)[];
  /** Nodes of the environment not moved yet: the control. */
  control: string[];
  events: RolloutEvent[];
}

interface Active {
  record: RolloutRecord;
  moved: Map<string, RolloutNode>;
  /** Monotonic time of the last evaluation: what a `wait` step bakes by. */
  lastTick: number;
  /** The gate counts last recorded (sampleGates). */
  lastSample?: string;
  /** Nodes in the environment when the controller last looked (for /metrics, which cannot wait on the store). */
  total?: number;
  /** The analysis runs counted so far (since the start or the last resume), and when the next is due. */
  analysis: AnalysisState;
}

interface AnalysisState {
  runs: AnalysisRun[];
  /** Monotonic ms: a run is made once a whole window has passed since the latest move, then every interval. */
  nextAt: number;
}

/** The states each operator action may be taken in: the controller's rule, which pages showing buttons follow too. */
export const ACTION_STATES = {
  pause: ["running", "awaiting-approval"],
  resume: ["paused"],
  approve: ["awaiting-approval"],
  abort: ["running", "awaiting-approval", "paused"],
  rollback: ["running", "awaiting-approval", "paused"],
} as const satisfies Record<string, readonly RolloutRecord["state"][]>;
export type RolloutAction = keyof typeof ACTION_STATES;

const DEFAULT_TICK_MS = 1000;
/** At most this much baking is credited per tick, so a stalled event loop or a suspended host does not end a wait early. */
const MAX_CREDIT_TICKS = 5;
const SYSTEM = "system";

export class RolloutController {
  private readonly active = new Map<string, Active>();
  private stable = new Map<string, string>();
  private readonly now: () => Date;
  private readonly monotonic: () => number;
  private readonly tickMs: number;
  private timer: NodeJS.Timeout | undefined;
  /**
   * Nodes asked to run (moved, or moved back) while they held no Watch
   * stream: asked again when they connect, so a daemon reconnecting after a
   * network cut or a server restart does not leave a step waiting for its
   * timer. Lost on restart, when connected() finds moved nodes still pending.
   */
  private readonly owed = new Map<string, string>();
  /** The evaluation under way: one at a time, and stop() waits for it. */
  private ticking: Promise<void> | undefined;

  constructor(private readonly deps: RolloutControllerDeps) {
    this.now = deps.now ?? (() => new Date());
    this.monotonic = deps.monotonic ?? (() => performance.now());
    this.tickMs = deps.tickMs ?? DEFAULT_TICK_MS;
  }

  /** Loads the stable releases and the rollouts that had not ended, and starts evaluating them. */
  async start(): Promise<void> {
    this.stable = await this.deps.store.stableReleases();
    for (const record of await this.deps.store.activeRollouts()) {
      const moved = new Map((await this.deps.store.rolloutNodes(record.id)).map((n) => [n.certname, n]));
      const runs = countedRuns(await this.deps.store.rolloutEvents(record.id));
      this.active.set(record.environment, { record, moved, lastTick: this.monotonic(), analysis: { runs, nextAt: this.monotonic() } });
      this.deps.logger.info({ rollout: record.id, environment: record.environment, step: record.step, state: record.state }, "resuming a rollout");
    }
    this.timer = setInterval(() => void this.tick(), this.tickMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.ticking;
  }

  /**
   * The release node `certname` of `environment` is to be compiled at, the
   * site being at `head` with `policy`: a moved node follows its rollout's
   * target, the others their environment's stable release; an environment
   * without a strategy takes every release at once.
   */
  releaseFor(certname: string, environment: string, head: string, policy: DeliveryPolicy): string {
    const active = this.active.get(environment);
    if (active) return active.moved.has(certname) ? active.record.toRelease : active.record.fromRelease;
    if (!strategyOf(policy, environment)) return head;
    const stable = this.stable.get(environment);
    if (stable) return stable;
    // The first time this environment follows a strategy, what it runs now is its stable release.
    this.stable.set(environment, head);
    void this.deps.store.setStableRelease(environment, head, this.now()).catch((err: unknown) => this.deps.logger.error({ err, environment }, "recording a stable release failed"));
    return head;
  }

  /** A node opened its Watch stream: it is asked to run if a rollout still waits on it. Never rejects (a failure is logged). */
  async connected(certname: string): Promise<void> {
    try {
      const reason = this.owed.get(certname) ?? (await this.pendingIn(certname));
      if (reason === undefined) return;
      this.owed.delete(certname);
      this.deps.runNow?.nudge([certname], { reason });
    } catch (err) {
      this.deps.logger.error({ err, certname }, "asking a node to run failed");
    }
  }

  private async pendingIn(certname: string): Promise<string | undefined> {
    for (const active of this.active.values()) {
      const node = active.moved.get(certname);
      if (!node || active.record.state === "paused") continue;
      const state = await movedNodeState(node, active.record.toRelease, active.record.strategy.gates, this.now(), this.deps.health);
      if (state.health === "pending") return `rollout ${active.record.id}`;
    }
    return undefined;
  }

  /** Asks `certnames` to run now, remembering those not connected for when they are. */
  private ask(certnames: string[], reason: string): string[] {
    const notConnected = this.deps.runNow?.nudge(certnames, { reason }).notConnected ?? certnames;
    for (const certname of notConnected) this.owed.set(certname, reason);
    return notConnected;
  }

  /** Releases that must stay kept: each environment's stable release, and both ends of every rollout that has not ended. */
  referencedReleases(): string[] {
    return [...this.stable.values(), ...[...this.active.values()].flatMap((a) => [a.record.fromRelease, a.record.toRelease])];
  }

  stableRelease(environment: string): string | undefined {
    return this.stable.get(environment);
  }

  // ---- operator actions

  /** `overrideFreeze`: an admin's reason to start although a spent error budget freezes the environment (the route checks the role). */
  async startRollout(opts: { environment: string; release?: string; force?: boolean; overrideFreeze?: string; by: string }): Promise<RolloutRecord> {
    const { environment, by } = opts;
    const head = await this.deps.site.version();
    const strategy = strategyOf(await this.deps.site.policy(head), environment);
    if (!strategy)
      throw new AnclaError(
        "ANCLA_E_ROLLOUT_INVALID",
        `environment ${environment} has no strategy in ancla.yaml, so it takes each new release at once; give it one under \`environments:\` to roll out in steps`,
      );
    const running = this.active.get(environment);
    if (running) throw new AnclaError("ANCLA_E_ROLLOUT_ACTIVE", `environment ${environment} already has rollout ${running.record.id} (${running.record.state}); wait for it to end or abort it`);
    const nodes = await this.deps.store.environmentNodes(environment);
    if (nodes.length === 0) throw new AnclaError("ANCLA_E_ROLLOUT_INVALID", `environment ${environment} has no nodes (a node joins it with its first compile)`);
    const target = await this.resolveRelease(opts.release);
    const from = this.stable.get(environment) ?? head;
    if (target.version === from) throw new AnclaError("ANCLA_E_ROLLOUT_INVALID", `release ${target.version} is already the stable release of ${environment}`);
    const frozen = (await this.deps.budgets?.freezing(environment)) ?? [];
    if (frozen.length > 0 && !opts.overrideFreeze) {
      const spent = frozen.map((b) => `${b.slo} (${Math.round(b.remaining * 1000) / 10}% of its budget left over ${b.windowSeconds / 86400}d)`).join(", ");
      throw new AnclaError("ANCLA_E_ROLLOUT_FROZEN", `environment ${environment} freezes rollouts while an error budget is spent: ${spent}`);
    }
    const bad = await this.deps.store.badRelease(environment, target.version);
    if (bad && !opts.force) throw new AnclaError("ANCLA_E_RELEASE_BAD", `release ${target.version} was rolled back in ${environment} by rollout ${bad.rolloutId}: ${bad.reason}`);
    const now = this.now();
    const record: RolloutRecord = {
      id: `r-${randomBytes(5).toString("hex")}`,
      environment,
      fromRelease: from,
      toRelease: target.version,
      strategy,
      state: "running",
      step: 0,
      stepStartedAt: now,
      bakedMs: 0,
      createdBy: by,
      createdAt: now,
      updatedAt: now,
      approvals: [],
    };
    await this.deps.store.insertRollout(record);
    // From here on check-ins see it: its nodes stay on `from` until moved.
    this.stable.set(environment, from);
    const active: Active = { record, moved: new Map(), lastTick: this.monotonic(), analysis: { runs: [], nextAt: 0 } };
    this.active.set(environment, active);
    const override = frozen.length > 0 ? { frozenBy: frozen.map((b) => b.slo), overrideReason: opts.overrideFreeze } : {};
    await this.event(
      active,
      "started",
      `rollout of ${target.version} to ${environment} started by ${by}: ${nodes.length} node(s), steps ${strategy.steps.map(describeStep).join(" → ")}${frozen.length > 0 ? `, overriding the freeze by ${override.frozenBy!.join(", ")}: ${opts.overrideFreeze}` : ""}`,
      {
        from,
        to: target.version,
        nodes: nodes.length,
        forced: Boolean(bad),
        ...override,
      },
    );
    await this.deps.audit?.(by, "rollout.start", record.id, { environment, from, to: target.version, forced: Boolean(bad), ...override });
    await this.evaluate(active);
    return record;
  }

  async pause(id: string, by: string): Promise<RolloutRecord> {
    const active = this.activeById(id, "pause");
    await this.setState(active, "paused", { kind: "operator", action: "pause", by, message: `paused by ${by}` });
    await this.deps.audit?.(by, "rollout.pause", id, {});
    return active.record;
  }

  async resume(id: string, by: string): Promise<RolloutRecord> {
    const active = this.activeById(id, "resume");
    active.lastTick = this.monotonic();
    // As Argo Rollouts does: a resumed rollout counts its analysis afresh, from a run made now.
    active.analysis = { runs: [], nextAt: active.lastTick };
    await this.setState(active, "running", undefined, `resumed by ${by}`);
    await this.deps.audit?.(by, "rollout.resume", id, {});
    await this.evaluate(active);
    return active.record;
  }

  async approve(id: string, by: string, ticket?: string): Promise<RolloutRecord> {
    const active = this.activeById(id, "approve");
    if (by === active.record.createdBy) throw new AnclaError("ANCLA_E_SELF_APPROVAL", `rollout ${id} was started by ${by}, who cannot approve it too`);
    active.record.approvals.push({ by, at: this.now(), step: active.record.step, ...(ticket ? { ticket } : {}) });
    await this.setState(active, "running", undefined, `step ${active.record.step + 1} approved by ${by}${ticket ? ` (${ticket})` : ""}`);
    await this.deps.audit?.(by, "rollout.approve", id, { step: active.record.step, ticket: ticket ?? null });
    await this.evaluate(active);
    return active.record;
  }

  /** Ends the rollout with every moved node back on the stable release; the target is marked bad only by `rollback`. */
  async end(id: string, by: string, action: "abort" | "rollback"): Promise<RolloutRecord> {
    const active = this.activeById(id, action);
    await this.finishBack(active, { kind: "operator", action, by, message: `${action === "abort" ? "aborted" : "rolled back"} by ${by}` });
    await this.deps.audit?.(by, `rollout.${action}`, id, {});
    return active.record;
  }

  // ---- reading

  async view(id: string): Promise<RolloutView> {
    const rollout = this.activeRecord(id) ?? (await this.deps.store.getRollout(id));
    if (!rollout) throw new AnclaError("ANCLA_E_NOT_FOUND", `no rollout ${id}; \`ancla rollout list\` shows them`);
    const moved = await this.deps.store.rolloutNodes(id);
    const now = this.now();
    const nodes = await Promise.all(moved.map(async (n) => ({ ...n, ...(await movedNodeState(n, rollout.toRelease, rollout.strategy.gates, now, this.deps.health)) })));
    const movedNames = new Set(moved.map((n) => n.certname));
    const control = ENDED_STATES.includes(rollout.state) ? [] : (await this.deps.store.environmentNodes(rollout.environment)).map((n) => n.certname).filter((c) => !movedNames.has(c));
    return { rollout, nodes, control, events: await this.deps.store.rolloutEvents(id) };
  }

  async list(q: { environment?: string; limit: number }): Promise<RolloutRecord[]> {
    const stored = await this.deps.store.listRollouts(q);
    // The in-memory copy is the one a tick last changed.
    return stored.map((r) => this.activeRecord(r.id) ?? r);
  }

  /** Rollouts that have not ended, for /metrics. */
  activeRollouts(): { record: RolloutRecord; moved: number; total: number }[] {
    return [...this.active.values()].map((a) => ({ record: a.record, moved: a.moved.size, total: Math.max(a.total ?? 0, a.moved.size) }));
  }

  /** Evaluates every rollout that has not ended once (the timer calls it; tests may too). */
  tick(): Promise<void> {
    this.ticking ??= this.tickAll().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  // ---- the state machine

  private async tickAll(): Promise<void> {
    for (const active of [...this.active.values()]) {
      try {
        await this.evaluate(active);
      } catch (err) {
        // The next tick tries again; a store that fails now must not end the rollout.
        this.deps.logger.error({ err, rollout: active.record.id }, "evaluating a rollout failed");
      }
    }
  }

  private async evaluate(active: Active): Promise<void> {
    const { record } = active;
    const now = this.monotonic();
    const credit = Math.min(now - active.lastTick, this.tickMs * MAX_CREDIT_TICKS);
    active.lastTick = now;
    if (record.state === "paused" || ENDED_STATES.includes(record.state)) return;
    const states = await this.movedStates(active);
    await this.sampleGates(active, states);
    const failure = failingGate(record.strategy.gates, states);
    const analysis = failure ? undefined : await this.analyse(active);
    if (failure || analysis?.kind === "fail") {
      const reason: RolloutReason = failure ? { kind: "gate", ...failure } : { kind: "gate", ...analysisFailure(active, analysis as Extract<Verdict, { kind: "fail" }>) };
      if (record.strategy.onFailure === "rollback") await this.finishBack(active, reason);
      else await this.setState(active, "paused", reason, `paused: gate ${reason.gate} failed: ${reason.message}`);
      await this.deps.audit?.(SYSTEM, record.strategy.onFailure === "rollback" ? "rollout.rollback" : "rollout.pause", record.id, {
        gate: reason.gate,
        value: reason.value,
        threshold: reason.threshold,
        nodes: reason.nodes,
      });
      return;
    }
    if (analysis?.kind === "pause") {
      const reason: RolloutReason = { kind: "gate", ...analysisFailure(active, analysis) };
      await this.setState(active, "paused", reason, `paused: ${analysis.message}`);
      await this.deps.audit?.(SYSTEM, "rollout.pause", record.id, { gate: "analysis", outcome: analysis.outcome, value: analysis.count, threshold: reason.threshold });
      return;
    }
    if (record.state === "awaiting-approval") return;
    await this.advance(active, states, credit, analysis?.promotable ?? true);
  }

  /**
   * Makes an analysis run when one is due and records it (every check's
   * measured values, thresholds and samples, as a rollout event), then
   * weighs the runs so far; undefined when the strategy has no analysis.
   */
  private async analyse(active: Active): Promise<Verdict | undefined> {
    const { record } = active;
    const template = record.strategy.gates.analysis;
    if (!template || active.moved.size === 0) return undefined;
    const state = active.analysis;
    const now = this.monotonic();
    if (now >= state.nextAt) {
      state.nextAt = now + template.intervalSeconds * 1000;
      const run = await this.analysisRun(active);
      state.runs.push(run);
      const counts = run.checks.map((c) => c.outcome);
      await this.event(
        active,
        "analysis",
        `analysis ${template.name}: ${run.outcome} (${counts.filter((o) => o === "pass").length} of ${counts.length} checks passed; canary ${run.canaryNodes}, control ${run.controlNodes} node(s))`,
        { run },
      );
    }
    return verdict(template, state.runs, lastMovedAt(active));
  }

  private async analysisRun(active: Active): Promise<AnalysisRun> {
    const { record } = active;
    const template = record.strategy.gates.analysis!;
    const canary = [...active.moved.keys()];
    if (!this.deps.analysis) {
      const to = this.now();
      const message = "this server reads no probe health, so the analysis cannot be made";
      return {
        template: template.name,
        from: to.toISOString(),
        to: to.toISOString(),
        outcome: "error",
        canaryNodes: canary.length,
        controlNodes: 0,
        checks: [{ check: template.checks[0].kind, outcome: "error", threshold: "", samples: { canary: 0, control: 0 }, message }],
      };
    }
    const control = (await this.deps.store.environmentNodes(record.environment)).map((n) => n.certname).filter((c) => !active.moved.has(c));
    return runAnalysis(template, { canary, control, release: record.toRelease, environment: record.environment }, this.now(), this.deps.analysis);
  }

  /** Takes the steps that are done, one after the other, stopping at the first that is not. */
  private async advance(active: Active, states: MovedNodeState[], credit: number, analysisPassed: boolean): Promise<void> {
    const { record } = active;
    // An analysis that has not passed since the latest move holds every step: it never promotes on no evidence.
    let allHealthy = states.every((s) => s.health === "healthy") && analysisPassed;
    for (;;) {
      const step: RolloutStep | undefined = record.strategy.steps[record.step];
      if (!step) {
        // After the last step every node moves, like Argo Rollouts' promotion to full weight.
        if ((await this.moveTo(active, undefined)) || !allHealthy) return;
        await this.complete(active);
        return;
      }
      if (step.kind === "wait") {
        record.bakedMs += credit;
        credit = 0;
        if (record.bakedMs < step.seconds * 1000) {
          record.updatedAt = this.now();
          await this.deps.store.updateRollout(record);
          return;
        }
      } else if (step.kind === "approve") {
        if (!record.approvals.some((a) => a.step === record.step)) {
          await this.setState(active, "awaiting-approval", undefined, `step ${record.step + 1} waits for an approval (\`ancla rollout approve ${record.id}\`)`);
          return;
        }
      } else {
        if ((await this.moveTo(active, step)) || !allHealthy) return;
      }
      await this.nextStep(active);
      allHealthy = (await this.movedStates(active)).every((s) => s.health === "healthy") && analysisPassed;
    }
  }

  /** Moves nodes until the step's share is moved, all when no step (recorded first, then asked to run); true when it moved any. */
  private async moveTo(active: Active, step: RolloutStep | undefined): Promise<boolean> {
    const { record } = active;
    const nodes = await this.deps.store.environmentNodes(record.environment);
    active.total = nodes.length;
    const wanted = step ? (movedGoal(step, nodes.length) ?? 0) : nodes.length;
    if (active.moved.size >= wanted) return false;
    const next = cohortOrder(record.id, nodes)
      .filter((c) => !active.moved.has(c))
      .slice(0, wanted - active.moved.size);
    if (next.length === 0) return false;
    const at = this.now();
    await this.deps.store.moveNodes(record.id, next, record.step, at);
    for (const certname of next) active.moved.set(certname, { certname, step: record.step, movedAt: at });
    const window = record.strategy.gates.analysis?.windowSeconds;
    // The next analysis run looks at a window the moved nodes spent wholly on the target release.
    if (window !== undefined) active.analysis.nextAt = Math.max(active.analysis.nextAt, this.monotonic() + firstRunDelayMs(window));
    const notConnected = this.ask(next, `rollout ${record.id}`);
    await this.event(active, "moved", `moved ${next.length} node(s) to ${record.toRelease} (${active.moved.size} of ${nodes.length}): ${next.join(", ")}`, {
      nodes: next,
      moved: active.moved.size,
      total: nodes.length,
      notConnected,
    });
    return true;
  }

  private async nextStep(active: Active): Promise<void> {
    const { record } = active;
    const done = record.strategy.steps[record.step];
    record.step += 1;
    record.stepStartedAt = this.now();
    record.bakedMs = 0;
    record.updatedAt = record.stepStartedAt;
    await this.deps.store.updateRollout(record);
    await this.event(active, "step", `step ${record.step} (${done ? describeStep(done) : "all nodes"}) done`, { step: record.step });
  }

  private async complete(active: Active): Promise<void> {
    const { record } = active;
    const now = this.now();
    Object.assign(record, { state: "completed", endedAt: now, updatedAt: now });
    // Stable first: once the rollout has ended, every node of the environment is placed by it.
    await this.deps.store.setStableRelease(record.environment, record.toRelease, now);
    await this.deps.store.updateRollout(record);
    this.stable.set(record.environment, record.toRelease);
    this.active.delete(record.environment);
    await this.event(active, "completed", `completed: ${record.toRelease} is the stable release of ${record.environment}`);
  }

  /** Rolled back (by a gate or an operator) or aborted: every moved node returns to the stable release, now. */
  private async finishBack(active: Active, reason: RolloutReason): Promise<void> {
    const { record } = active;
    const now = this.now();
    const state = reason.kind === "operator" && reason.action === "abort" ? "aborted" : "rolled-back";
    Object.assign(record, { state, reason, endedAt: now, updatedAt: now });
    if (state === "rolled-back") await this.deps.store.markReleaseBad(record.environment, record.toRelease, record.id, reason.message, now);
    await this.deps.store.updateRollout(record);
    this.active.delete(record.environment);
    const back = [...active.moved.keys()];
    const notConnected = this.ask(back, `rollout ${record.id} ${state}`);
    await this.event(active, state, `${state}: ${reason.message}; ${back.length} moved node(s) back to ${record.fromRelease}`, {
      reason,
      nodes: back,
      notConnected,
    });
  }

  private async setState(active: Active, state: RolloutRecord["state"], reason: RolloutReason | undefined, message?: string): Promise<void> {
    const { record } = active;
    record.state = state;
    if (reason) record.reason = reason;
    else if (state === "running") delete record.reason;
    record.updatedAt = this.now();
    await this.deps.store.updateRollout(record);
    await this.event(active, state, message ?? reason?.message ?? state, reason ? { reason } : undefined);
  }

  /** Records what the gates see whenever it changes: the rollout's gate values over time. */
  private async sampleGates(active: Active, states: MovedNodeState[]): Promise<void> {
    const counts = { moved: states.length, healthy: 0, failed: 0, pending: 0, late: 0, image_rolled_back: 0 };
    for (const s of states) {
      counts[s.health] += 1;
      if (s.imageRolledBack) counts.image_rolled_back += 1;
    }
    const key = JSON.stringify(counts);
    if (key === active.lastSample) return;
    active.lastSample = key;
    await this.event(active, "gates", `moved ${counts.moved}: ${counts.healthy} healthy, ${counts.failed} failed, ${counts.pending} pending, ${counts.late} late`, counts);
  }

  private movedStates(active: Active): Promise<MovedNodeState[]> {
    const { record } = active;
    const now = this.now();
    return Promise.all([...active.moved.values()].map((n) => movedNodeState(n, record.toRelease, record.strategy.gates, now, this.deps.health)));
  }

  private async event(active: Active, kind: string, message: string, detail?: Record<string, unknown>): Promise<void> {
    await this.deps.store.appendRolloutEvent(active.record.id, { at: this.now(), kind, message, ...(detail ? { detail } : {}) });
    this.deps.logger.info({ rollout: active.record.id, environment: active.record.environment, kind }, message);
  }

  private async resolveRelease(text: string | undefined): Promise<ReleaseSummary> {
    const releases = await this.deps.releases.listReleases();
    if (text === undefined) {
      const newest = releases[0];
      if (!newest) throw new AnclaError("ANCLA_E_ROLLOUT_INVALID", "the server has kept no release yet (it keeps one once a node checks in)");
      return newest;
    }
    const exact = await this.deps.releases.getRelease(text);
    if (exact) return exact;
    // A commit or version prefix, as people copy them from `git log` or `ancla release list`.
    const matching = text.length >= 7 ? releases.filter((r) => r.version.startsWith(text) || r.commit?.startsWith(text)) : [];
    if (matching.length === 1) return matching[0];
    if (matching.length > 1) throw new AnclaError("ANCLA_E_ROLLOUT_INVALID", `release ${text} is ambiguous: ${matching.map((r) => r.version).join(", ")}`);
    throw new AnclaError("ANCLA_E_NOT_FOUND", `no release ${text} was ever seen by this server; \`ancla release list\` shows the kept ones`);
  }

  private activeRecord(id: string): RolloutRecord | undefined {
    for (const a of this.active.values()) if (a.record.id === id) return a.record;
    return undefined;
  }

  private activeById(id: string, action: RolloutAction): Active {
    const states: readonly RolloutRecord["state"][] = ACTION_STATES[action];
    const active = [...this.active.values()].find((a) => a.record.id === id);
    if (!active) throw new AnclaError("ANCLA_E_ROLLOUT_STATE", `rollout ${id} is not running (it ended, or there is none); only a rollout that has not ended can ${action}`);
    if (!states.includes(active.record.state)) throw new AnclaError("ANCLA_E_ROLLOUT_STATE", `rollout ${id} is ${active.record.state}; ${action} needs it ${states.join(" or ")}`);
    return active;
  }
}

/** The rollout's analysis runs since it last started running (its start or a resume), from its events. */
function countedRuns(events: readonly RolloutEvent[]): AnalysisRun[] {
  let from = 0;
  events.forEach((e, i) => {
    if (e.kind === "started" || (e.kind === "running" && e.message.startsWith("resumed"))) from = i;
  });
  return events.slice(from).flatMap((e) => (e.kind === "analysis" && e.detail?.run ? [e.detail.run as AnalysisRun] : []));
}

function lastMovedAt(active: Active): Date | undefined {
  let last: Date | undefined;
  for (const n of active.moved.values()) if (!last || n.movedAt > last) last = n.movedAt;
  return last;
}

function analysisFailure(active: Active, v: Extract<Verdict, { kind: "fail" | "pause" }>): GateFailure {
  const threshold = v.kind === "fail" ? `failure_limit ${v.limit}` : `${v.outcome}_limit ${v.limit}`;
  return { gate: "analysis", value: v.count, threshold, nodes: [...active.moved.keys()], message: v.message };
}
