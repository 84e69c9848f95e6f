// The store's part for delivery: each environment's stable release, releases
// marked bad, rollouts with the nodes they moved and what they decided. Its
// own interface, asynchronous, so that a PostgreSQL store is a second
// implementation of it and not a rewrite.
import type { Strategy } from "../../catalog/site/delivery.js";

export const ROLLOUT_STATES = ["running", "awaiting-approval", "paused", "completed", "rolled-back", "aborted"] as const;
export type RolloutState = (typeof ROLLOUT_STATES)[number];
/** States a rollout does not leave. */
export const ENDED_STATES: readonly RolloutState[] = ["completed", "rolled-back", "aborted"];

export const GATE_NAMES = ["failed_runs", "image_rollback", "report_within", "analysis"] as const;
export type GateName = (typeof GATE_NAMES)[number];

/** A gate that failed: what it measured against what it allows, and on which nodes. */
export interface GateFailure {
  gate: GateName;
  /** The measured value (nodes, or percent of the moved nodes for a percent limit). */
  value: number;
  /** The limit as the strategy writes it: "0", "10%", "600s". */
  threshold: string;
  nodes: string[];
  message: string;
}

export type RolloutReason = ({ kind: "gate" } & GateFailure) | { kind: "operator"; action: "pause" | "abort" | "rollback"; by: string; message: string };

export interface Approval {
  by: string;
  at: Date;
  step: number;
  ticket?: string;
}

export interface RolloutRecord {
  id: string;
  environment: string;
  /** The environment's stable release when the rollout started: where nodes not moved stay, and where a rollback returns. */
  fromRelease: string;
  toRelease: string;
  /** The strategy as it was when the rollout started: a restart resumes the same steps whatever the site says by then. */
  strategy: Strategy;
  state: RolloutState;
  /** Index into strategy.steps; steps.length once every step is done and the last nodes are moving. */
  step: number;
  stepStartedAt: Date;
  /** Time the current `wait` step has baked, counted by the server's monotonic clock and kept across restarts. */
  bakedMs: number;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  endedAt?: Date;
  /** Why it paused, rolled back or was aborted. */
  reason?: RolloutReason;
  approvals: Approval[];
}

export interface RolloutNode {
  certname: string;
  /** The step that moved it. */
  step: number;
  movedAt: Date;
}

/** What the controller decided and measured, in order: the rollout's history. */
export interface RolloutEvent {
  at: Date;
  kind: string;
  message: string;
  detail?: Record<string, unknown>;
}

export interface EnvironmentNode {
  certname: string;
  /** The fact `canary: true`: moved first. */
  canary: boolean;
}

export interface RolloutStore {
  /** Each environment's stable release, by environment. */
  stableReleases(): Promise<Map<string, string>>;
  setStableRelease(environment: string, version: string, at: Date): Promise<void>;
  markReleaseBad(environment: string, version: string, rolloutId: string, reason: string, at: Date): Promise<void>;
  badRelease(environment: string, version: string): Promise<{ rolloutId: string; reason: string; at: Date } | undefined>;
  /** Refused (ANCLA_E_CONFLICT) when the environment has a rollout that has not ended. */
  insertRollout(r: RolloutRecord): Promise<void>;
  updateRollout(r: RolloutRecord): Promise<void>;
  getRollout(id: string): Promise<RolloutRecord | undefined>;
  /** Newest first. */
  listRollouts(q: { environment?: string; limit: number }): Promise<RolloutRecord[]>;
  /** Rollouts that have not ended, to resume after a restart. */
  activeRollouts(): Promise<RolloutRecord[]>;
  /** Records nodes as moved by `step`; a node already moved keeps its first record. */
  moveNodes(rolloutId: string, certnames: string[], step: number, at: Date): Promise<void>;
  rolloutNodes(rolloutId: string): Promise<RolloutNode[]>;
  appendRolloutEvent(rolloutId: string, e: RolloutEvent): Promise<void>;
  rolloutEvents(rolloutId: string): Promise<RolloutEvent[]>;
  /** The active nodes whose last compile placed them in `environment`. */
  environmentNodes(environment: string): Promise<EnvironmentNode[]>;
}
