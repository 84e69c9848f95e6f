// The SQLite implementation of RolloutStore, on the store's connection.
import type { Strategy } from "../../../catalog/site/delivery.js";
import { AnclaError } from "../../../core/errors.js";
import type { Approval, EnvironmentNode, RolloutEvent, RolloutNode, RolloutReason, RolloutRecord, RolloutState, RolloutStore } from "../rollouts.js";
import { date, ms, optDate, type Statements } from "./statements.js";

const ROLLOUT_COLUMNS = `id, environment, from_release, to_release, strategy, state, step, step_started_at, baked_ms,
  created_by, created_at, updated_at, ended_at, reason, approvals`;

export class SqliteRolloutStore implements RolloutStore {
  constructor(private readonly q: Statements) {}

  async stableReleases(): Promise<Map<string, string>> {
    return new Map(this.q.all(`SELECT environment, stable FROM environment_releases`).map((r) => [r.environment as string, r.stable as string]));
  }

  async setStableRelease(environment: string, version: string, at: Date): Promise<void> {
    this.q.run(
      `INSERT INTO environment_releases (environment, stable, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (environment) DO UPDATE SET stable = excluded.stable, updated_at = excluded.updated_at`,
      environment,
      version,
      ms(at),
    );
  }

  async markReleaseBad(environment: string, version: string, rolloutId: string, reason: string, at: Date): Promise<void> {
    this.q.run(
      `INSERT INTO bad_releases (environment, version, rollout_id, reason, at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (environment, version) DO UPDATE SET rollout_id = excluded.rollout_id, reason = excluded.reason, at = excluded.at`,
      environment,
      version,
      rolloutId,
      reason,
      ms(at),
    );
  }

  async badRelease(environment: string, version: string): Promise<{ rolloutId: string; reason: string; at: Date } | undefined> {
    const r = this.q.get<{ rollout_id: string; reason: string; at: number }>(`SELECT rollout_id, reason, at FROM bad_releases WHERE environment = ? AND version = ?`, environment, version);
    return r && { rolloutId: r.rollout_id, reason: r.reason, at: date(r.at) };
  }

  async insertRollout(r: RolloutRecord): Promise<void> {
    try {
      this.q.run(
        `INSERT INTO rollouts (${ROLLOUT_COLUMNS}) VALUES (${ROLLOUT_COLUMNS.split(",")
          .map(() => "?")
          .join(", ")})`,
        ...rolloutValues(r),
      );
    } catch (err) {
      if ((err as { code?: string }).code === "SQLITE_CONSTRAINT_UNIQUE") throw new AnclaError("ANCLA_E_ROLLOUT_ACTIVE", `environment ${r.environment} already has a rollout that has not ended`);
      throw err;
    }
  }

  async updateRollout(r: RolloutRecord): Promise<void> {
    this.q.run(
      `UPDATE rollouts SET state = ?, step = ?, step_started_at = ?, baked_ms = ?, updated_at = ?, ended_at = ?, reason = ?, approvals = ? WHERE id = ?`,
      r.state,
      r.step,
      ms(r.stepStartedAt),
      Math.round(r.bakedMs),
      ms(r.updatedAt),
      r.endedAt ? ms(r.endedAt) : null,
      r.reason ? JSON.stringify(r.reason) : null,
      approvalsJson(r.approvals),
      r.id,
    );
  }

  async getRollout(id: string): Promise<RolloutRecord | undefined> {
    const r = this.q.get<RolloutRow>(`SELECT ${ROLLOUT_COLUMNS} FROM rollouts WHERE id = ?`, id);
    return r && rolloutRecord(r);
  }

  async listRollouts(q: { environment?: string; limit: number }): Promise<RolloutRecord[]> {
    const rows =
      q.environment === undefined
        ? this.q.all<RolloutRow>(`SELECT ${ROLLOUT_COLUMNS} FROM rollouts ORDER BY created_at DESC, id LIMIT ?`, q.limit)
        : this.q.all<RolloutRow>(`SELECT ${ROLLOUT_COLUMNS} FROM rollouts WHERE environment = ? ORDER BY created_at DESC, id LIMIT ?`, q.environment, q.limit);
    return rows.map(rolloutRecord);
  }

  async activeRollouts(): Promise<RolloutRecord[]> {
    return this.q.all<RolloutRow>(`SELECT ${ROLLOUT_COLUMNS} FROM rollouts WHERE ended_at IS NULL ORDER BY created_at`).map(rolloutRecord);
  }

  async moveNodes(rolloutId: string, certnames: string[], step: number, at: Date): Promise<void> {
    this.q.transaction(() => {
      for (const certname of certnames) this.q.run(`INSERT OR IGNORE INTO rollout_nodes (rollout_id, certname, step, moved_at) VALUES (?, ?, ?, ?)`, rolloutId, certname, step, ms(at));
    });
  }

  async rolloutNodes(rolloutId: string): Promise<RolloutNode[]> {
    return this.q
      .all<{ certname: string; step: number; moved_at: number }>(`SELECT certname, step, moved_at FROM rollout_nodes WHERE rollout_id = ? ORDER BY moved_at, certname`, rolloutId)
      .map((r) => ({ certname: r.certname, step: r.step, movedAt: date(r.moved_at) }));
  }

  async appendRolloutEvent(rolloutId: string, e: RolloutEvent): Promise<void> {
    this.q.run(`INSERT INTO rollout_events (rollout_id, at, kind, message, detail) VALUES (?, ?, ?, ?, ?)`, rolloutId, ms(e.at), e.kind, e.message, e.detail ? JSON.stringify(e.detail) : null);
  }

  async rolloutEvents(rolloutId: string): Promise<RolloutEvent[]> {
    const rows = this.q.all<{ at: number; kind: string; message: string; detail: string | null }>(`SELECT at, kind, message, detail FROM rollout_events WHERE rollout_id = ? ORDER BY id`, rolloutId);
    return rows.map((r) => ({
      at: date(r.at),
      kind: r.kind,
      message: r.message,
      ...(r.detail === null ? {} : { detail: JSON.parse(r.detail) as Record<string, unknown> }),
    }));
  }

  async environmentNodes(environment: string): Promise<EnvironmentNode[]> {
    return this.q
      .all<{ certname: string; canary: number }>(
        `SELECT s.certname, EXISTS (SELECT 1 FROM node_facts f WHERE f.certname = s.certname AND f.path = 'canary' AND f.value = 'true') AS canary
         FROM node_summaries s WHERE s.environment = ? AND s.deactivated_at IS NULL ORDER BY s.certname`,
        environment,
      )
      .map((r) => ({ certname: r.certname, canary: r.canary === 1 }));
  }
}

function rolloutValues(r: RolloutRecord): unknown[] {
  return [
    r.id,
    r.environment,
    r.fromRelease,
    r.toRelease,
    JSON.stringify(r.strategy),
    r.state,
    r.step,
    ms(r.stepStartedAt),
    Math.round(r.bakedMs),
    r.createdBy,
    ms(r.createdAt),
    ms(r.updatedAt),
    r.endedAt ? ms(r.endedAt) : null,
    r.reason ? JSON.stringify(r.reason) : null,
    approvalsJson(r.approvals),
  ];
}

function approvalsJson(approvals: Approval[]): string {
  return JSON.stringify(approvals.map((a) => ({ ...a, at: ms(a.at) })));
}

interface RolloutRow {
  id: string;
  environment: string;
  from_release: string;
  to_release: string;
  strategy: string;
  state: RolloutState;
  step: number;
  step_started_at: number;
  baked_ms: number;
  created_by: string;
  created_at: number;
  updated_at: number;
  ended_at: number | null;
  reason: string | null;
  approvals: string;
}

function rolloutRecord(r: RolloutRow): RolloutRecord {
  return {
    id: r.id,
    environment: r.environment,
    fromRelease: r.from_release,
    toRelease: r.to_release,
    strategy: JSON.parse(r.strategy) as Strategy,
    state: r.state,
    step: r.step,
    stepStartedAt: date(r.step_started_at),
    bakedMs: r.baked_ms,
    createdBy: r.created_by,
    createdAt: date(r.created_at),
    updatedAt: date(r.updated_at),
    endedAt: optDate(r.ended_at),
    ...(r.reason === null ? {} : { reason: JSON.parse(r.reason) as RolloutReason }),
    approvals: (JSON.parse(r.approvals) as (Omit<Approval, "at"> & { at: number })[]).map((a) => ({ ...a, at: new Date(a.at) })),
  };
}
