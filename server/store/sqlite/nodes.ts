// The SQLite implementation of NodeStore.
import { NODE_STATUSES } from "../../status.js";
import { flattenFacts } from "../facts.js";
import type { DayRollup, NodeFilter, NodeOverview, NodeRecord, NodeStore } from "../nodes.js";
import { date, ms, optDate, optStr, type Statements } from "./statements.js";
import { ensureSummary, REPORT_SUMMARY_COLUMNS, reactivate, reportSummary, type ReportSummaryRow } from "./summaries.js";

/**
 * A node's status at @now, in SQL, for a node_summaries row s. The same order
 * as nodeStatus in server/status.ts (compile failure, silence, no report yet,
 * the latest run's status stored on ingest by runStatus);
 * test/server/node-status-sql.test.ts holds the two to agreement.
 */
const NODE_STATUS_SQL = `CASE
  WHEN s.compile_failed_at IS NOT NULL THEN 'compile-failed'
  WHEN @now - COALESCE(s.received_at, s.first_checkin_at) > @threshold THEN 'unresponsive'
  WHEN s.report_id IS NULL THEN 'unreported'
  ELSE s.run_status END`;

// Most urgent first, as NODE_STATUSES lists them.
const STATUS_RANK_SQL = `CASE status_value ${NODE_STATUSES.map((st, i) => `WHEN '${st}' THEN ${i}`).join(" ")} END`;

interface NodeRow {
  certname: string;
  first_checkin_at: number;
  last_checkin_at: number;
  facts: string | null;
  facts_updated_at: number | null;
  deactivated_at: number | null;
  environment: string | null;
}

/** A page row: the summary's columns, the node's last check-in, and its latest report's summary columns (null without one). */
interface OverviewRow extends ReportSummaryRow {
  node: string;
  first_checkin_at: number;
  last_checkin_at: number;
  failure_at: number | null;
  environment: string | null;
}

export class SqliteNodeStore implements NodeStore {
  constructor(private readonly q: Statements) {}

  async recordCheckin(certname: string, facts: Record<string, unknown> | undefined, at: Date): Promise<void> {
    const factsJson = facts === undefined ? null : JSON.stringify(facts);
    this.q.transaction(() => {
      if (facts !== undefined) this.updateFactRows(certname, facts);
      this.upsertNode(certname, factsJson, at);
      ensureSummary(this.q, certname, at);
      reactivate(this.q, certname);
    });
  }

  async deactivateNode(certname: string, at: Date): Promise<boolean> {
    return this.q.run(`UPDATE node_summaries SET deactivated_at = ? WHERE certname = ?`, ms(at), certname) === 1;
  }

  async removeNode(certname: string): Promise<boolean> {
    return this.q.transaction(() => {
      // Events go with their reports (ON DELETE CASCADE); daily rollups and the audit log stay (history).
      for (const table of ["reports", "catalogs", "compile_failures", "node_facts", "node_summaries"]) this.q.run(`DELETE FROM ${table} WHERE certname = ?`, certname);
      return this.q.run(`DELETE FROM nodes WHERE certname = ?`, certname) === 1;
    });
  }

  // Only the rows that changed are written: a check-in usually repeats its facts but for uptime.
  private updateFactRows(certname: string, facts: unknown): void {
    const rows = this.q.all<{ path: string; value: string }>(`SELECT path, value FROM node_facts WHERE certname = ?`, certname);
    const stored = new Map(rows.map((r) => [r.path, r.value]));
    const upsert = this.q.stmt(`INSERT INTO node_facts (certname, path, value) VALUES (?, ?, ?) ON CONFLICT (certname, path) DO UPDATE SET value = excluded.value`);
    for (const [path, value] of flattenFacts(facts)) {
      if (stored.get(path) !== value) upsert.run(certname, path, value);
      stored.delete(path);
    }
    const remove = this.q.stmt(`DELETE FROM node_facts WHERE certname = ? AND path = ?`);
    for (const path of stored.keys()) remove.run(certname, path);
  }

  private upsertNode(certname: string, factsJson: string | null, at: Date): void {
    this.q.run(
      `INSERT INTO nodes (certname, first_checkin_at, last_checkin_at, facts, facts_updated_at)
       VALUES (@certname, @at, @at, @facts, CASE WHEN @facts IS NULL THEN NULL ELSE @at END)
       ON CONFLICT (certname) DO UPDATE SET
         last_checkin_at = MAX(last_checkin_at, @at),
         facts = COALESCE(@facts, facts),
         facts_updated_at = CASE WHEN @facts IS NULL THEN facts_updated_at ELSE @at END`,
      { certname, at: ms(at), facts: factsJson },
    );
  }

  async getNode(certname: string): Promise<NodeRecord | undefined> {
    const r = this.q.get<NodeRow>(
      `SELECT n.certname, n.first_checkin_at, n.last_checkin_at, n.facts, n.facts_updated_at, s.deactivated_at, s.environment
       FROM nodes n LEFT JOIN node_summaries s ON s.certname = n.certname WHERE n.certname = ?`,
      certname,
    );
    if (!r) return undefined;
    return {
      certname: r.certname,
      firstCheckinAt: date(r.first_checkin_at),
      lastCheckinAt: date(r.last_checkin_at),
      facts: r.facts === null ? undefined : (JSON.parse(r.facts) as Record<string, unknown>),
      factsUpdatedAt: optDate(r.facts_updated_at),
      deactivatedAt: optDate(r.deactivated_at),
      environment: optStr(r.environment),
    };
  }

  async recordEnvironment(certname: string, environment: string): Promise<void> {
    this.q.run(`UPDATE node_summaries SET environment = ? WHERE certname = ? AND environment IS NOT ?`, environment, certname, environment);
  }

  async queryNodes(q: NodeFilter): Promise<{ total: number; nodes: NodeOverview[] }> {
    const where: string[] = [`s.deactivated_at IS NULL`];
    const params: Record<string, unknown> = { now: ms(q.now), threshold: q.unresponsiveAfterMs };
    if (q.status !== undefined) {
      where.push(`${NODE_STATUS_SQL} = @status`);
      params.status = q.status;
    }
    if (q.search !== undefined) {
      where.push(`s.certname LIKE @search ESCAPE '\\'`);
      params.search = `%${q.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    }
    if (q.environment !== undefined) {
      where.push(`s.environment = @environment`);
      params.environment = q.environment;
    }
    if (q.fact !== undefined) {
      where.push(`s.certname IN (SELECT certname FROM node_facts WHERE path = @factPath AND value = @factValue)`);
      Object.assign(params, { factPath: q.fact.path, factValue: q.fact.value });
    }
    const filter = `WHERE ${where.join(" AND ")}`;
    const total = this.q.get<{ c: number }>(`SELECT COUNT(*) AS c FROM node_summaries s ${filter}`, params)?.c ?? 0;
    const order = nodeOrder(q.sort, q.order);
    // The page is chosen from the summaries alone; only its rows are joined to their node and report rows.
    const rows = this.q.all<OverviewRow>(
      `SELECT p.*, n.last_checkin_at, ${REPORT_SUMMARY_COLUMNS} FROM (
         SELECT s.certname AS node, s.first_checkin_at, s.compile_failed_at AS failure_at, s.report_id, s.environment,
                s.received_at AS last_received, ${NODE_STATUS_SQL} AS status_value
         FROM node_summaries s ${filter}
         ORDER BY ${order} LIMIT @limit OFFSET @offset
       ) p JOIN nodes n ON n.certname = p.node LEFT JOIN reports r ON r.id = p.report_id
       ORDER BY ${order}`,
      { ...params, limit: q.limit, offset: q.offset },
    );
    return { total, nodes: rows.map(nodeOverview) };
  }

  async countNodesByStatus(o: { now: Date; unresponsiveAfterMs: number }): Promise<Record<string, number>> {
    const rows = this.q.all<{ status: string; c: number }>(`SELECT ${NODE_STATUS_SQL} AS status, COUNT(*) AS c FROM node_summaries s WHERE s.deactivated_at IS NULL GROUP BY 1`, {
      now: ms(o.now),
      threshold: o.unresponsiveAfterMs,
    });
    return Object.fromEntries(rows.map((r) => [r.status, r.c]));
  }

  async reportDays(fromDay: string, toDay: string): Promise<DayRollup[]> {
    return this.q.all<DayRollup>(`SELECT day, runs, failed, drifted, noop, changed, unchanged FROM report_days WHERE day BETWEEN ? AND ? ORDER BY day`, fromDay, toDay);
  }
}

function nodeOrder(sort: NodeFilter["sort"], order: NodeFilter["order"]): string {
  const dir = order === "desc" ? "DESC" : "ASC";
  if (sort === "status") return `${STATUS_RANK_SQL} ${dir}, node ASC`;
  // Nodes that never reported go last either way.
  if (sort === "last_run") return `last_received IS NULL, last_received ${dir}, node ASC`;
  return `node ${dir}`;
}

function nodeOverview(r: OverviewRow): NodeOverview {
  return {
    certname: r.node,
    firstCheckinAt: date(r.first_checkin_at),
    lastCheckinAt: date(r.last_checkin_at),
    compileFailureAt: optDate(r.failure_at),
    environment: optStr(r.environment),
    latest: r.run_id === null ? undefined : reportSummary(r),
  };
}
