// What several parts share: the node and node_summaries rows every kind of
// contact creates (a check-in, a report, a failed compile), and the columns of
// a report summary, which node lists and report lists both select.
import type { ReportCounts, ReportSummary } from "../nodes.js";
import { date, ms, type Statements } from "./statements.js";

// The columns of a ReportSummary, for one report row `r` (event flags are stored on ingest).
export const REPORT_SUMMARY_COLUMNS = `
  r.run_id, r.certname, r.status, r.noop, r.catalog_digest, r.site_version, r.started_at,
  r.received_at, r.duration_ms, r.counts, r.has_changes, r.has_corrective, r.has_pending_noop, r.has_failed_event`;

export interface ReportSummaryRow {
  run_id: string;
  certname: string;
  status: string;
  noop: number;
  catalog_digest: string;
  site_version: string;
  started_at: number;
  received_at: number;
  duration_ms: number;
  counts: string;
  has_changes: number;
  has_corrective: number;
  has_pending_noop: number;
  has_failed_event: number;
}

export function reportSummary(r: ReportSummaryRow): ReportSummary {
  return {
    runId: r.run_id,
    certname: r.certname,
    status: r.status,
    noop: r.noop === 1,
    catalogDigest: r.catalog_digest,
    siteVersion: r.site_version,
    startedAt: date(r.started_at),
    receivedAt: date(r.received_at),
    durationMs: r.duration_ms,
    counts: JSON.parse(r.counts) as ReportCounts,
    hasChanges: r.has_changes === 1,
    hasCorrective: r.has_corrective === 1,
    hasPendingNoop: r.has_pending_noop === 1,
    hasFailedEvent: r.has_failed_event === 1,
  };
}

// A node exists from its first contact of any kind (a report, a failed compile), not only a check-in.
export function ensureNode(q: Statements, certname: string, at: Date): void {
  q.run(`INSERT OR IGNORE INTO nodes (certname, first_checkin_at, last_checkin_at) VALUES (@certname, @at, @at)`, { certname, at: ms(at) });
  ensureSummary(q, certname, at);
}

// Created with the node row, so its first_checkin_at is the node's.
export function ensureSummary(q: Statements, certname: string, at: Date): void {
  q.run(`INSERT OR IGNORE INTO node_summaries (certname, first_checkin_at) VALUES (?, ?)`, certname, ms(at));
}

// Any contact from the node ends an operator's deactivation: it is alive after all.
export function reactivate(q: Statements, certname: string): void {
  q.run(`UPDATE node_summaries SET deactivated_at = NULL WHERE certname = ? AND deactivated_at IS NOT NULL`, certname);
}
