// The SQLite implementation of ReportStore.
import { create, type JsonValue } from "@bufbuild/protobuf";
import { AnclaError } from "../../../core/errors.js";
import { EventSchema, type Event, type Report } from "../../../proto/gen/ancla/v1/agent_pb.js";
import { eventResultWords, reportFromJson, reportStatusWords, reportToJson } from "../../../proto/report-words.js";
import { countsOf, eventFlags } from "../../report-status.js";
import { runStatus, type RunStatus } from "../../status.js";
import type { ReportSummary } from "../nodes.js";
import { type EventQuery, MAX_REPORT_PAGE, type ReportPage, type ReportQuery, type ReportStore } from "../reports.js";
import { ms, type Statements } from "./statements.js";
import { ensureNode, REPORT_SUMMARY_COLUMNS, reactivate, reportSummary, type ReportSummaryRow } from "./summaries.js";

const EVENT_COLUMNS = "resource, property, desired, actual, result, corrective, message, diff";
/** 100 rows of 9 values: far under SQLite's 32,766 bound parameters. */
const EVENTS_PER_STATEMENT = 100;

const LATEST_REPORT_ID = `(SELECT report_id FROM node_summaries WHERE certname = ?)`;

/** Which report_days column a run of each status counts in. */
const DAY_COLUMN: Record<RunStatus, string> = { failed: "failed", drifted: "drifted", "noop-pending": "noop", changed: "changed", unchanged: "unchanged" };

interface ReportRow {
  id: number;
  report: string;
}

interface EventRow {
  resource: string;
  property: string;
  desired: string;
  actual: string;
  result: string;
  corrective: number;
  message: string;
  diff: string;
}

export class SqliteReportStore implements ReportStore {
  constructor(private readonly q: Statements) {}

  async saveReport(report: Report, receivedAt: Date): Promise<boolean> {
    if (!report.runId) throw new AnclaError("ANCLA_E_INVALID_ARGUMENT", "the report has no run id");
    if (!report.certname) throw new AnclaError("ANCLA_E_INVALID_ARGUMENT", `report ${report.runId} has no certname`);
    return this.q.transaction(() => this.insertReport(report, receivedAt));
  }

  /**
   * EVENTS_PER_STATEMENT rows per INSERT: one statement per event spent most
   * of a maximal report's write (20,000 events) crossing into SQLite and back,
   * with every other agent and the API waiting.
   */
  private insertEvents(reportId: number, events: Event[]): void {
    const row = "(?, ?, ?, ?, ?, ?, ?, ?, ?)";
    const many = this.q.stmt(`INSERT INTO events (report_id, ${EVENT_COLUMNS}) VALUES ${Array(EVENTS_PER_STATEMENT).fill(row).join(", ")}`);
    let i = 0;
    for (; i + EVENTS_PER_STATEMENT <= events.length; i += EVENTS_PER_STATEMENT) {
      many.run(events.slice(i, i + EVENTS_PER_STATEMENT).flatMap((e) => [reportId, ...eventValues(e)]));
    }
    const one = this.q.stmt(`INSERT INTO events (report_id, ${EVENT_COLUMNS}) VALUES ${row}`);
    for (; i < events.length; i++) one.run(reportId, ...eventValues(events[i]));
  }

  /** The report row, its events, the summaries; in the caller's transaction. */
  private insertReport(report: Report, receivedAt: Date): boolean {
    // Kept as the agent sent it (shown beside the receive time); an unreadable time falls back to arrival.
    const parsed = Date.parse(report.startedAt);
    const started = Number.isNaN(parsed) ? ms(receivedAt) : parsed;
    const counts = countsOf(report);
    const flags = eventFlags(report.events);
    // The store keeps the words (proto/report-words.ts): rows from before the enums read the same.
    const reported = reportStatusWords.word(report.status);
    const status = runStatus({ status: reported, noop: report.noop, counts, ...flags });
    const inserted = this.q
      .stmt(
        `INSERT INTO reports (run_id, certname, status, noop, catalog_digest, site_version, started_at, received_at, duration_ms, counts, report,
                            has_changes, has_corrective, has_pending_noop, has_failed_event, run_status)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (certname, run_id) DO NOTHING`,
      )
      .run(
        report.runId,
        report.certname,
        reported,
        report.noop ? 1 : 0,
        report.catalogDigest,
        report.siteVersion,
        started,
        ms(receivedAt),
        report.durationMs,
        JSON.stringify(counts),
        // The events are kept once, in their table (readReport puts them back): a maximal report's 20,000
        // events as JSON as well doubled the file and cost the event loop about 100 ms more per report.
        JSON.stringify(reportToJson({ ...report, events: [] })),
        flags.hasChanges ? 1 : 0,
        flags.hasCorrective ? 1 : 0,
        flags.hasPendingNoop ? 1 : 0,
        flags.hasFailedEvent ? 1 : 0,
        status,
      );
    if (inserted.changes === 0) return false;
    const reportId = Number(inserted.lastInsertRowid);
    this.insertEvents(reportId, report.events);
    ensureNode(this.q, report.certname, receivedAt);
    reactivate(this.q, report.certname);
    // The server's clock orders runs: an agent's clock days ahead would otherwise hold "last run" for days.
    // Queued reports are delivered oldest first, so the run received last is the newest one.
    this.q.run(
      `UPDATE node_summaries SET report_id = @id, started_at = @started, received_at = @received, run_status = @status
       WHERE certname = @certname AND (report_id IS NULL OR (received_at, report_id) < (@received, @id))`,
      { id: reportId, started, received: ms(receivedAt), status, certname: report.certname },
    );
    const column = DAY_COLUMN[status];
    this.q.run(
      `INSERT INTO report_days (day, runs, ${column}) VALUES (?, 1, 1) ON CONFLICT (day) DO UPDATE SET runs = runs + 1, ${column} = ${column} + 1`,
      new Date(started).toISOString().slice(0, 10),
    );
    return true;
  }

  async latestReport(certname: string): Promise<Report | undefined> {
    const r = this.q.get<ReportRow>(`SELECT id, report FROM reports WHERE id = ${LATEST_REPORT_ID}`, certname);
    return r && this.readReport(r);
  }

  async latestReportSummary(certname: string): Promise<ReportSummary | undefined> {
    const r = this.q.get<ReportSummaryRow>(`SELECT ${REPORT_SUMMARY_COLUMNS} FROM reports r WHERE r.id = ${LATEST_REPORT_ID}`, certname);
    return r && reportSummary(r);
  }

  async listReports(q: ReportQuery): Promise<ReportPage> {
    if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > MAX_REPORT_PAGE) {
      throw new AnclaError("ANCLA_E_INVALID_ARGUMENT", `limit must be a whole number from 1 to ${MAX_REPORT_PAGE}, got ${q.limit}`);
    }
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (condition: string, ...values: unknown[]): void => {
      where.push(condition);
      params.push(...values);
    };
    if (q.certname !== undefined) add(`r.certname = ?`, q.certname);
    if (q.status !== undefined) add(`r.status = ?`, q.status);
    // Literal conditions (not parameters), so the planner can pick the partial indexes.
    if (q.changesOnly) add(`r.has_changes = 1`);
    if (q.correctiveOnly) add(`r.has_corrective = 1`);
    if (q.since !== undefined) add(`r.started_at >= ?`, ms(q.since));
    if (q.cursor !== undefined) {
      const c = decodeCursor(q.cursor);
      add(`(r.received_at, r.id) < (?, ?)`, c.receivedAt, c.id);
    }
    const rows = this.q.all<ReportSummaryRow & { id: number }>(
      `SELECT r.id, ${REPORT_SUMMARY_COLUMNS} FROM reports r ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY r.received_at DESC, r.id DESC LIMIT ?`,
      ...params,
      q.limit + 1,
    );
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return { reports: page.map(reportSummary), next: rows.length > q.limit ? encodeCursor(last.received_at, last.id) : undefined };
  }

  async getReport(runId: string, certname?: string): Promise<Report | undefined> {
    const id = this.reportRowId(runId, certname);
    const r = id === undefined ? undefined : this.q.get<ReportRow>(`SELECT id, report FROM reports WHERE id = ?`, id);
    return r && this.readReport(r);
  }

  /** A stored report whole: its JSON, and its events from their table (rows stored before they were kept apart hold them in the JSON). */
  private readReport(row: ReportRow): Report {
    const report = reportFromJson(JSON.parse(row.report) as JsonValue);
    if (report.events.length === 0) report.events = this.q.all<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE report_id = ? ORDER BY id`, row.id).map(eventOf);
    return report;
  }

  async getReportSummary(runId: string, certname?: string): Promise<ReportSummary | undefined> {
    const id = this.reportRowId(runId, certname);
    const r = id === undefined ? undefined : this.q.get<ReportSummaryRow>(`SELECT ${REPORT_SUMMARY_COLUMNS} FROM reports r WHERE r.id = ?`, id);
    return r && reportSummary(r);
  }

  async reportEvents(runId: string, q: EventQuery, certname?: string): Promise<{ total: number; events: Event[] }> {
    const id = this.reportRowId(runId, certname);
    if (id === undefined) return { total: 0, events: [] };
    const where = [`report_id = ?`];
    if (q.changesOnly) where.push(`result = 'changed'`);
    if (q.correctiveOnly) where.push(`corrective = 1`);
    const filter = where.join(" AND ");
    const total = this.q.get<{ c: number }>(`SELECT COUNT(*) AS c FROM events WHERE ${filter}`, id)?.c ?? 0;
    const rows = this.q.all<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE ${filter} ORDER BY id LIMIT ? OFFSET ?`, id, q.limit, q.offset);
    return { total, events: rows.map(eventOf) };
  }

  // The row of a run id (of one node when `certname` is given); a run id two nodes share is not guessed at.
  private reportRowId(runId: string, certname: string | undefined): number | undefined {
    const rows = this.q.all<{ id: number; certname: string }>(`SELECT id, certname FROM reports WHERE run_id = @runId AND (@certname IS NULL OR certname = @certname) ORDER BY certname`, {
      runId,
      certname: certname ?? null,
    });
    if (rows.length > 1) {
      const nodes = rows.map((r) => r.certname).join(", ");
      throw new AnclaError("ANCLA_E_RUN_ID_AMBIGUOUS", `run id "${runId}" was reported by ${rows.length} nodes (${nodes}); name the node`);
    }
    return rows[0]?.id;
  }

  async pruneReports(before: Date, batch: number): Promise<number> {
    // By the server's clock (an agent's may be years off); events go with their report
    // (ON DELETE CASCADE); a node's latest run stays, whatever its age.
    return this.q.run(
      `DELETE FROM reports WHERE id IN (
         SELECT id FROM reports WHERE received_at < ? AND id NOT IN (SELECT report_id FROM node_summaries WHERE report_id IS NOT NULL)
         ORDER BY received_at LIMIT ?)`,
      ms(before),
      batch,
    );
  }
}

function eventOf(r: EventRow): Event {
  return create(EventSchema, {
    resource: r.resource,
    property: r.property,
    desired: r.desired,
    actual: r.actual,
    result: eventResultWords.value(r.result),
    corrective: r.corrective === 1,
    message: r.message,
    diff: r.diff,
  });
}

/** An event's columns, in EVENT_COLUMNS order. */
function eventValues(e: Event): unknown[] {
  return [e.resource, e.property, e.desired, e.actual, eventResultWords.word(e.result), e.corrective ? 1 : 0, e.message, e.diff];
}

/** A keyset position (receive time, row id) as an opaque token. */
function encodeCursor(receivedAt: number, id: number): string {
  return Buffer.from(`${receivedAt}.${id}`).toString("base64url");
}

function decodeCursor(cursor: string): { receivedAt: number; id: number } {
  const m = /^(-?\d+)\.(\d+)$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!m) throw new AnclaError("ANCLA_E_INVALID_ARGUMENT", `invalid report cursor "${cursor}": pass the "next" value of a previous page`);
  return { receivedAt: Number(m[1]), id: Number(m[2]) };
}
