// The SQLite implementation of Store (better-sqlite3): one file, WAL so the
// dashboard's reads never wait for an agent's write, versioned migrations.
import BetterSqlite3, { type Database } from "better-sqlite3";
import { create, type JsonValue } from "@bufbuild/protobuf";
import type { SiteProblem } from "../../catalog/compiler.js";
import { normalizeSerialHex } from "../../pki/serial.js";
import { AnclaError } from "../../proto/errors.js";
import { EventSchema, type Event, type Report } from "../../proto/gen/ancla/v1/agent_pb.js";
import { eventResultWords, reportFromJson, reportStatusWords, reportToJson } from "../../proto/report-words.js";
import { countsOf, eventFlags } from "../report-status.js";
import { NODE_STATUSES, runStatus, type RunStatus } from "../status.js";
import { flattenFacts } from "./facts.js";
import { migrate } from "./migrations.js";
import { SqliteHealthStore } from "./sqlite-health.js";
import { SqliteRolloutStore } from "./sqlite-rollouts.js";
import { date, ms, optDate, optStr, Statements, type Row } from "./statements.js";
import { MAX_REPORT_PAGE } from "./store.js";
import type {
  ApiTokenRecord,
  AuditEntry,
  BootstrapTokenRecord,
  CertificateRecord,
  CertificateRequest,
  CertificateState,
  CompileFailure,
  DashboardSession,
  DayRollup,
  EventQuery,
  IssuedCertificate,
  NodeFilter,
  NodeOverview,
  NodeRecord,
  ReportCounts,
  ReportPage,
  ReportQuery,
  ReportSummary,
  ReleaseRecord,
  ReleaseSummary,
  Role,
  StoredAuditEntry,
  StoredCatalog,
  Store,
} from "./store.js";

/** Opens (creating if needed) and migrates the database at `file`. */
export function openStore(file: string): Store {
  let db: Database;
  try {
    db = new BetterSqlite3(file);
  } catch (err) {
    throw new AnclaError("ANCLA_E_IO", `cannot open database ${file}: ${(err as Error).message}`, { cause: err });
  }
  db.pragma("journal_mode = WAL");
  db.pragma("foreign_keys = ON");
  // The server and an operator's maintenance job may share the file; wait rather than fail at once.
  db.pragma("busy_timeout = 5000");
  // WAL + NORMAL is durable across process crashes; only an OS crash can lose the last commits.
  db.pragma("synchronous = NORMAL");
  migrate(db);
  return new SqliteStore(db);
}

const EVENT_COLUMNS = "resource, property, desired, actual, result, corrective, message, diff";
/** 100 rows of 9 values: far under SQLite's 32,766 bound parameters. */
const EVENTS_PER_STATEMENT = 100;

// The columns of a ReportSummary, for one report row `r` (event flags are stored on ingest).
const REPORT_SUMMARY_COLUMNS = `
  r.run_id, r.certname, r.status, r.noop, r.catalog_digest, r.site_version, r.started_at,
  r.received_at, r.duration_ms, r.counts, r.has_changes, r.has_corrective, r.has_pending_noop, r.has_failed_event`;

const LATEST_REPORT_ID = `(SELECT report_id FROM node_summaries WHERE certname = ?)`;

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

/** Which report_days column a run of each status counts in. */
const DAY_COLUMN: Record<RunStatus, string> = { failed: "failed", drifted: "drifted", "noop-pending": "noop", changed: "changed", unchanged: "unchanged" };

class SqliteStore implements Store {
  private readonly q: Statements;
  readonly rollouts: SqliteRolloutStore;
  readonly health: SqliteHealthStore;

  constructor(private readonly db: Database) {
    this.q = new Statements(db);
    this.rollouts = new SqliteRolloutStore(this.q);
    this.health = new SqliteHealthStore(this.q);
  }

  transaction<T>(fn: () => T): T {
    return this.q.transaction(fn);
  }

  close(): void {
    this.db.close();
  }

  // ---- nodes

  recordCheckin(certname: string, facts: Record<string, unknown> | undefined, at: Date): void {
    const factsJson = facts === undefined ? null : JSON.stringify(facts);
    this.transaction(() => {
      if (facts !== undefined) this.updateFactRows(certname, facts);
      this.upsertNode(certname, factsJson, at);
      this.ensureSummary(certname, at);
      this.reactivate(certname);
    });
  }

  // Any contact from the node ends an operator's deactivation: it is alive after all.
  private reactivate(certname: string): void {
    this.q.run(`UPDATE node_summaries SET deactivated_at = NULL WHERE certname = ? AND deactivated_at IS NOT NULL`, certname);
  }

  deactivateNode(certname: string, at: Date): boolean {
    return this.q.run(`UPDATE node_summaries SET deactivated_at = ? WHERE certname = ?`, ms(at), certname) === 1;
  }

  removeNode(certname: string): boolean {
    return this.transaction(() => {
      // Events go with their reports (ON DELETE CASCADE); daily rollups and the audit log stay (history).
      for (const table of ["reports", "catalogs", "compile_failures", "node_facts", "node_summaries"]) this.q.run(`DELETE FROM ${table} WHERE certname = ?`, certname);
      return this.q.run(`DELETE FROM nodes WHERE certname = ?`, certname) === 1;
    });
  }

  // Only the rows that changed are written: a check-in usually repeats its facts but for uptime.
  private updateFactRows(certname: string, facts: unknown): void {
    const stored = new Map(this.q.all(`SELECT path, value FROM node_facts WHERE certname = ?`, certname).map((r) => [r.path as string, r.value as string]));
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

  // A node exists from its first contact of any kind (a report, a failed compile), not only a check-in.
  private ensureNode(certname: string, at: Date): void {
    this.q.run(`INSERT OR IGNORE INTO nodes (certname, first_checkin_at, last_checkin_at) VALUES (@certname, @at, @at)`, { certname, at: ms(at) });
    this.ensureSummary(certname, at);
  }

  // Created with the node row, so its first_checkin_at is the node's.
  private ensureSummary(certname: string, at: Date): void {
    this.q.run(`INSERT OR IGNORE INTO node_summaries (certname, first_checkin_at) VALUES (?, ?)`, certname, ms(at));
  }

  getNode(certname: string): NodeRecord | undefined {
    const r = this.q.get(`SELECT n.*, s.deactivated_at, s.environment FROM nodes n LEFT JOIN node_summaries s ON s.certname = n.certname WHERE n.certname = ?`, certname);
    if (!r) return undefined;
    return {
      certname: r.certname as string,
      firstCheckinAt: date(r.first_checkin_at),
      lastCheckinAt: date(r.last_checkin_at),
      facts: r.facts === null ? undefined : (JSON.parse(r.facts as string) as Record<string, unknown>),
      factsUpdatedAt: optDate(r.facts_updated_at),
      deactivatedAt: optDate(r.deactivated_at),
      environment: optStr(r.environment),
    };
  }

  recordEnvironment(certname: string, environment: string): void {
    this.q.run(`UPDATE node_summaries SET environment = ? WHERE certname = ? AND environment IS NOT ?`, environment, certname, environment);
  }

  queryNodes(q: NodeFilter): { total: number; nodes: NodeOverview[] } {
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
    const total = this.q.get(`SELECT COUNT(*) AS c FROM node_summaries s ${filter}`, params)!.c as number;
    const order = nodeOrder(q.sort, q.order);
    // The page is chosen from the summaries alone; only its rows are joined to their node and report rows.
    const rows = this.q.all(
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

  countNodesByStatus(o: { now: Date; unresponsiveAfterMs: number }): Record<string, number> {
    const rows = this.q.all(`SELECT ${NODE_STATUS_SQL} AS status, COUNT(*) AS c FROM node_summaries s WHERE s.deactivated_at IS NULL GROUP BY 1`, { now: ms(o.now), threshold: o.unresponsiveAfterMs });
    return Object.fromEntries(rows.map((r) => [r.status as string, r.c as number]));
  }

  reportDays(fromDay: string, toDay: string): DayRollup[] {
    return this.q.all(`SELECT * FROM report_days WHERE day BETWEEN ? AND ? ORDER BY day`, fromDay, toDay) as unknown as DayRollup[];
  }

  // ---- catalogs

  getCurrentCatalog(certname: string): StoredCatalog | undefined {
    const r = this.q.get(`SELECT * FROM catalogs WHERE certname = ? ORDER BY serial DESC LIMIT 1`, certname);
    return r ? storedCatalog(r) : undefined;
  }

  saveCatalog(c: StoredCatalog): void {
    try {
      this.q.run(
        `INSERT INTO catalogs (certname, serial, digest, site_version, inputs_key, envelope, compiled_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        c.certname,
        c.serial,
        c.digest,
        c.siteVersion,
        c.inputsKey,
        Buffer.from(c.envelope),
        ms(c.compiledAt),
      );
    } catch (err) {
      // Two compiles raced for the same serial: the caller must take a fresh nextCatalogSerial.
      if ((err as { code?: string }).code === "SQLITE_CONSTRAINT_UNIQUE") {
        throw new AnclaError("ANCLA_E_INVALID_ARGUMENT", `catalog serial ${c.serial} of "${c.certname}" is already stored`, { cause: err });
      }
      throw err;
    }
  }

  getCatalogByDigest(digest: string): StoredCatalog | undefined {
    const r = this.q.get(`SELECT * FROM catalogs WHERE digest = ? ORDER BY id DESC LIMIT 1`, digest);
    return r ? storedCatalog(r) : undefined;
  }

  nextCatalogSerial(certname: string): number {
    const r = this.q.get(`SELECT COALESCE(MAX(serial), 0) + 1 AS next FROM catalogs WHERE certname = ?`, certname);
    return r!.next as number;
  }

  // ---- compile failures

  recordCompileFailure(certname: string, siteVersion: string, problems: SiteProblem[], at: Date): void {
    this.transaction(() => {
      this.ensureNode(certname, at);
      this.q.run(`UPDATE node_summaries SET compile_failed_at = ? WHERE certname = ?`, ms(at), certname);
      this.q.run(
        `INSERT INTO compile_failures (certname, site_version, problems, at) VALUES (?, ?, ?, ?)
         ON CONFLICT (certname) DO UPDATE SET site_version = excluded.site_version, problems = excluded.problems, at = excluded.at`,
        certname,
        siteVersion,
        JSON.stringify(problems),
        ms(at),
      );
    });
  }

  clearCompileFailure(certname: string): void {
    this.transaction(() => {
      if (this.q.run(`DELETE FROM compile_failures WHERE certname = ?`, certname) > 0) {
        this.q.run(`UPDATE node_summaries SET compile_failed_at = NULL WHERE certname = ?`, certname);
      }
    });
  }

  getCompileFailure(certname: string): CompileFailure | undefined {
    const r = this.q.get(`SELECT * FROM compile_failures WHERE certname = ?`, certname);
    return r ? compileFailure(r) : undefined;
  }

  listCompileFailures(): CompileFailure[] {
    return this.q.all(`SELECT * FROM compile_failures ORDER BY at DESC, certname`).map(compileFailure);
  }

  // ---- reports

  // Asynchronous for the store's callers (issue 17: a PostgreSQL store answers later); SQLite is done before it returns.
  async saveReport(report: Report, receivedAt: Date): Promise<boolean> {
    if (!report.runId) throw new AnclaError("ANCLA_E_INVALID_ARGUMENT", "the report has no run id");
    if (!report.certname) throw new AnclaError("ANCLA_E_INVALID_ARGUMENT", `report ${report.runId} has no certname`);
    return this.transaction(() => this.insertReport(report, receivedAt));
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
    this.ensureNode(report.certname, receivedAt);
    this.reactivate(report.certname);
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

  latestReport(certname: string): Report | undefined {
    const r = this.q.get(`SELECT id, report FROM reports WHERE id = ${LATEST_REPORT_ID}`, certname);
    return r ? this.readReport(r) : undefined;
  }

  latestReportSummary(certname: string): ReportSummary | undefined {
    const r = this.q.get(`SELECT ${REPORT_SUMMARY_COLUMNS} FROM reports r WHERE r.id = ${LATEST_REPORT_ID}`, certname);
    return r ? reportSummary(r) : undefined;
  }

  listReports(q: ReportQuery): ReportPage {
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
    const rows = this.q.all(
      `SELECT r.id, ${REPORT_SUMMARY_COLUMNS} FROM reports r ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY r.received_at DESC, r.id DESC LIMIT ?`,
      ...params,
      q.limit + 1,
    );
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return { reports: page.map(reportSummary), next: rows.length > q.limit ? encodeCursor(last.received_at as number, last.id as number) : undefined };
  }

  getReport(runId: string, certname?: string): Report | undefined {
    const id = this.reportRowId(runId, certname);
    return id === undefined ? undefined : this.readReport(this.q.get(`SELECT id, report FROM reports WHERE id = ?`, id)!);
  }

  /** A stored report whole: its JSON, and its events from their table (rows stored before they were kept apart hold them in the JSON). */
  private readReport(row: Row): Report {
    const report = parseReport(row.report);
    if (report.events.length === 0) report.events = this.q.all(`SELECT * FROM events WHERE report_id = ? ORDER BY id`, row.id).map(eventOf);
    return report;
  }

  getReportSummary(runId: string, certname?: string): ReportSummary | undefined {
    const id = this.reportRowId(runId, certname);
    return id === undefined ? undefined : reportSummary(this.q.get(`SELECT ${REPORT_SUMMARY_COLUMNS} FROM reports r WHERE r.id = ?`, id)!);
  }

  reportEvents(runId: string, q: EventQuery, certname?: string): { total: number; events: Event[] } {
    const id = this.reportRowId(runId, certname);
    if (id === undefined) return { total: 0, events: [] };
    const where = [`report_id = ?`];
    if (q.changesOnly) where.push(`result = 'changed'`);
    if (q.correctiveOnly) where.push(`corrective = 1`);
    const filter = where.join(" AND ");
    const total = this.q.get(`SELECT COUNT(*) AS c FROM events WHERE ${filter}`, id)!.c as number;
    const rows = this.q.all(`SELECT * FROM events WHERE ${filter} ORDER BY id LIMIT ? OFFSET ?`, id, q.limit, q.offset);
    return { total, events: rows.map(eventOf) };
  }

  // The row of a run id (of one node when `certname` is given); a run id two nodes share is not guessed at.
  private reportRowId(runId: string, certname: string | undefined): number | undefined {
    const rows = this.q.all(`SELECT id, certname FROM reports WHERE run_id = @runId AND (@certname IS NULL OR certname = @certname) ORDER BY certname`, {
      runId,
      certname: certname ?? null,
    });
    if (rows.length > 1) {
      const nodes = rows.map((r) => r.certname as string).join(", ");
      throw new AnclaError("ANCLA_E_RUN_ID_AMBIGUOUS", `run id "${runId}" was reported by ${rows.length} nodes (${nodes}); name the node`);
    }
    return rows[0]?.id as number | undefined;
  }

  pruneReports(before: Date, batch: number): number {
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

  sizeBytes(): number {
    return (this.db.pragma("page_count", { simple: true }) as number) * (this.db.pragma("page_size", { simple: true }) as number);
  }

  // ---- certificates

  isSerialRevoked(serialHex: string): boolean {
    // On every agent RPC: one statement for both tables.
    const sql = `SELECT EXISTS (SELECT 1 FROM certificates WHERE state = 'revoked' AND serial_hex = @serial)
      OR EXISTS (SELECT 1 FROM revoked_server_certificates WHERE serial_hex = @serial) AS revoked`;
    return this.q.get(sql, { serial: normalizeSerialHex(serialHex) })!.revoked === 1;
  }

  pendingCertificate(certname: string): CertificateRecord | undefined {
    const r = this.q.get(`SELECT * FROM certificates WHERE certname = ? AND state = 'pending'`, certname);
    return r ? certificateRecord(r) : undefined;
  }

  liveCertificate(certname: string, at: Date): CertificateRecord | undefined {
    const r = this.q.get(`SELECT * FROM certificates WHERE certname = ? AND state = 'signed' AND not_after > ? ORDER BY id DESC LIMIT 1`, certname, ms(at));
    return r ? certificateRecord(r) : undefined;
  }

  certificateForKey(certname: string, publicKeySha256: string): CertificateRecord | undefined {
    const r = this.q.get(`SELECT * FROM certificates WHERE certname = ? AND public_key_sha256 = ? ORDER BY id DESC LIMIT 1`, certname, publicKeySha256);
    return r ? certificateRecord(r) : undefined;
  }

  signedCertificateForKey(certname: string, publicKeySha256: string): CertificateRecord | undefined {
    const r = this.q.get(`SELECT * FROM certificates WHERE certname = ? AND public_key_sha256 = ? AND state = 'signed' ORDER BY id DESC LIMIT 1`, certname, publicKeySha256);
    return r ? certificateRecord(r) : undefined;
  }

  savePendingRequest(req: CertificateRequest): void {
    // No DELETE of a waiting request first: replacing one would let anyone swap their key in (the unique index refuses a second).
    this.q.run(
      `INSERT INTO certificates (certname, state, csr_pem, public_key_sha256, requested_at, renewal_of) VALUES (?, 'pending', ?, ?, ?, ?)`,
      req.certname,
      req.csrPem,
      req.publicKeySha256,
      ms(req.requestedAt),
      req.renewalOf ?? null,
    );
  }

  countPendingRequests(): number {
    return this.q.get(`SELECT COUNT(*) AS n FROM certificates WHERE state = 'pending'`)!.n as number;
  }

  expirePendingRequests(before: Date): string[] {
    return this.transaction(() => {
      const names = this.q.all(`SELECT certname FROM certificates WHERE state = 'pending' AND requested_at < ?`, ms(before)).map((r) => r.certname as string);
      if (names.length > 0) this.q.run(`DELETE FROM certificates WHERE state = 'pending' AND requested_at < ?`, ms(before));
      return names;
    });
  }

  insertSignedCertificate(req: CertificateRequest, issued: IssuedCertificate): void {
    this.transaction(() => {
      // A request signed through another path (a token) supersedes the one waiting for an operator.
      this.q.run(`DELETE FROM certificates WHERE certname = ? AND state = 'pending'`, req.certname);
      this.q.run(
        `INSERT INTO certificates (certname, state, csr_pem, public_key_sha256, cert_pem, serial_hex, not_after, requested_at, signed_at)
         VALUES (?, 'signed', ?, ?, ?, ?, ?, ?, ?)`,
        req.certname,
        req.csrPem,
        req.publicKeySha256,
        issued.certPem,
        issued.serialHex,
        ms(issued.notAfter),
        ms(req.requestedAt),
        ms(issued.signedAt),
      );
    });
  }

  markCertificateSigned(id: number, issued: IssuedCertificate): void {
    const changed = this.q.run(
      `UPDATE certificates SET state = 'signed', cert_pem = ?, serial_hex = ?, not_after = ?, signed_at = ? WHERE id = ? AND state = 'pending'`,
      issued.certPem,
      issued.serialHex,
      ms(issued.notAfter),
      ms(issued.signedAt),
      id,
    );
    if (changed === 0) throw new AnclaError("ANCLA_E_CERT_UNKNOWN", `certificate request ${id} is no longer pending`);
  }

  markCertificateRejected(id: number, at: Date): void {
    const changed = this.q.run(`UPDATE certificates SET state = 'rejected', rejected_at = ? WHERE id = ? AND state = 'pending'`, ms(at), id);
    if (changed === 0) throw new AnclaError("ANCLA_E_CERT_UNKNOWN", `certificate request ${id} is no longer pending`);
  }

  revokeCertificates(certname: string, at: Date): string[] {
    return this.transaction(() => {
      const serials = this.q.all(`SELECT serial_hex FROM certificates WHERE certname = ? AND state = 'signed'`, certname).map((r) => r.serial_hex as string);
      this.q.run(`UPDATE certificates SET state = 'revoked', revoked_at = ? WHERE certname = ? AND state = 'signed'`, ms(at), certname);
      return serials;
    });
  }

  revokeServerCertificate(serialHex: string, subject: string, at: Date): void {
    this.q.run(`INSERT OR IGNORE INTO revoked_server_certificates (serial_hex, subject, revoked_at) VALUES (?, ?, ?)`, normalizeSerialHex(serialHex), subject, ms(at));
  }

  latestCertificate(certname: string): CertificateRecord | undefined {
    const r = this.q.get(`SELECT * FROM certificates WHERE certname = ? ORDER BY id DESC LIMIT 1`, certname);
    return r ? certificateRecord(r) : undefined;
  }

  listCertificates(): CertificateRecord[] {
    return this.q.all(`SELECT * FROM certificates WHERE id IN (SELECT MAX(id) FROM certificates GROUP BY certname) ORDER BY certname`).map(certificateRecord);
  }

  revokedCertificates(): { serialHex: string; revokedAt: Date }[] {
    const sql = `SELECT serial_hex, revoked_at FROM certificates WHERE state = 'revoked'
      UNION ALL SELECT serial_hex, revoked_at FROM revoked_server_certificates ORDER BY revoked_at`;
    return this.q.all(sql).map((r) => ({
      serialHex: r.serial_hex as string,
      revokedAt: date(r.revoked_at),
    }));
  }

  // ---- bootstrap tokens

  insertBootstrapToken(t: BootstrapTokenRecord): void {
    this.q.run(
      `INSERT INTO tokens (id, secret_sha256, certname_glob, expires_at, one_time, used_at, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      t.id,
      t.secretSha256,
      t.certnameGlob ?? null,
      ms(t.expiresAt),
      t.oneTime ? 1 : 0,
      t.usedAt ? ms(t.usedAt) : null,
      t.createdBy,
      ms(t.createdAt),
    );
  }

  findBootstrapToken(secretSha256: string): BootstrapTokenRecord | undefined {
    const r = this.q.get(`SELECT * FROM tokens WHERE secret_sha256 = ?`, secretSha256);
    return r ? bootstrapToken(r) : undefined;
  }

  listBootstrapTokens(): BootstrapTokenRecord[] {
    return this.q.all(`SELECT * FROM tokens ORDER BY created_at DESC, id`).map(bootstrapToken);
  }

  claimBootstrapToken(id: string, at: Date): boolean {
    // One statement, so two agents racing for a one-time token cannot both win (nor one race a revocation).
    return this.q.run(`UPDATE tokens SET used_at = ? WHERE id = ? AND revoked_at IS NULL AND (one_time = 0 OR used_at IS NULL)`, ms(at), id) === 1;
  }

  revokeBootstrapToken(id: string, at: Date): boolean {
    return this.q.run(`UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, ms(at), id) === 1;
  }

  // ---- operator tokens

  insertApiToken(t: ApiTokenRecord): void {
    this.q.run(`INSERT INTO api_tokens (id, secret_sha256, role, name, created_at) VALUES (?, ?, ?, ?, ?)`, t.id, t.secretSha256, t.role, t.name, ms(t.createdAt));
  }

  findApiToken(secretSha256: string): ApiTokenRecord | undefined {
    const r = this.q.get(`SELECT * FROM api_tokens WHERE secret_sha256 = ? AND revoked_at IS NULL`, secretSha256);
    return r ? apiToken(r) : undefined;
  }

  getApiToken(id: string): ApiTokenRecord | undefined {
    const r = this.q.get(`SELECT * FROM api_tokens WHERE id = ?`, id);
    return r ? apiToken(r) : undefined;
  }

  listApiTokens(): ApiTokenRecord[] {
    return this.q.all(`SELECT * FROM api_tokens ORDER BY created_at DESC, id`).map(apiToken);
  }

  revokeApiToken(id: string, at: Date): boolean {
    return this.transaction(() => {
      if (this.q.run(`UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, ms(at), id) === 0) return false;
      this.q.run(`DELETE FROM dashboard_sessions WHERE token_id = ?`, id);
      return true;
    });
  }

  // ---- dashboard sessions

  createSession(s: DashboardSession): void {
    this.transaction(() => {
      this.q.run(`DELETE FROM dashboard_sessions WHERE expires_at <= ?`, ms(s.createdAt));
      this.q.run(`INSERT INTO dashboard_sessions (id_sha256, token_id, created_at, expires_at) VALUES (?, ?, ?, ?)`, s.idSha256, s.tokenId, ms(s.createdAt), ms(s.expiresAt));
    });
  }

  findSession(idSha256: string, at: Date): ApiTokenRecord | undefined {
    // The token is checked on every request, so a revocation ends the session at once even if a row survived.
    const r = this.q.get(
      `SELECT t.* FROM dashboard_sessions s JOIN api_tokens t ON t.id = s.token_id
       WHERE s.id_sha256 = ? AND s.expires_at > ? AND t.revoked_at IS NULL`,
      idSha256,
      ms(at),
    );
    return r ? apiToken(r) : undefined;
  }

  deleteSession(idSha256: string): void {
    this.q.run(`DELETE FROM dashboard_sessions WHERE id_sha256 = ?`, idSha256);
  }

  // ---- releases

  saveRelease(r: ReleaseRecord): void {
    this.q.run(
      `INSERT OR IGNORE INTO releases (version, commit_sha, author, subject, first_seen_at, files, bytes, manifest) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      r.version,
      r.commit ?? null,
      r.author ?? null,
      r.subject ?? null,
      ms(r.firstSeenAt),
      r.files,
      r.bytes,
      JSON.stringify(r.manifest),
    );
  }

  listReleases(): ReleaseSummary[] {
    return this.q.all(`SELECT version, commit_sha, author, subject, first_seen_at, files, bytes FROM releases ORDER BY first_seen_at DESC, version`).map(releaseSummary);
  }

  deleteRelease(version: string): boolean {
    return this.q.run(`DELETE FROM releases WHERE version = ?`, version) > 0;
  }

  releaseVersionsInUse(): string[] {
    return this.q.all(`SELECT DISTINCT c.site_version FROM catalogs c WHERE c.serial = (SELECT MAX(serial) FROM catalogs WHERE certname = c.certname)`).map((r) => r.site_version as string);
  }

  getRelease(version: string): ReleaseRecord | undefined {
    const r = this.q.get(`SELECT * FROM releases WHERE version = ?`, version);
    return r ? { ...releaseSummary(r), manifest: JSON.parse(r.manifest as string) as ReleaseRecord["manifest"] } : undefined;
  }

  // ---- audit log

  appendAudit(e: AuditEntry): void {
    this.q.run(`INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)`, ms(e.at), e.actor, e.action, e.target, JSON.stringify(e.detail));
  }

  listAudit(opts: { limit: number; beforeId?: number }): StoredAuditEntry[] {
    const rows = this.q.all(`SELECT * FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?`, opts.beforeId ?? Number.MAX_SAFE_INTEGER, opts.limit);
    return rows.map((r) => ({
      id: r.id as number,
      at: date(r.at),
      actor: r.actor as string,
      action: r.action as string,
      target: r.target as string,
      detail: JSON.parse(r.detail as string) as Record<string, unknown>,
    }));
  }
}

function releaseSummary(r: Row): ReleaseSummary {
  return {
    version: r.version as string,
    commit: optStr(r.commit_sha),
    author: optStr(r.author),
    subject: optStr(r.subject),
    firstSeenAt: date(r.first_seen_at),
    files: r.files as number,
    bytes: r.bytes as number,
  };
}

function parseReport(json: unknown): Report {
  return reportFromJson(JSON.parse(json as string) as JsonValue);
}

function eventOf(r: Row): Event {
  return create(EventSchema, {
    resource: r.resource as string,
    property: r.property as string,
    desired: r.desired as string,
    actual: r.actual as string,
    result: eventResultWords.value(r.result as string),
    corrective: r.corrective === 1,
    message: r.message as string,
    diff: r.diff as string,
  });
}

function nodeOrder(sort: NodeFilter["sort"], order: NodeFilter["order"]): string {
  const dir = order === "desc" ? "DESC" : "ASC";
  if (sort === "status") return `${STATUS_RANK_SQL} ${dir}, node ASC`;
  // Nodes that never reported go last either way.
  if (sort === "last_run") return `last_received IS NULL, last_received ${dir}, node ASC`;
  return `node ${dir}`;
}

function nodeOverview(r: Row): NodeOverview {
  return {
    certname: r.node as string,
    firstCheckinAt: date(r.first_checkin_at),
    lastCheckinAt: date(r.last_checkin_at),
    compileFailureAt: optDate(r.failure_at),
    environment: optStr(r.environment),
    latest: r.run_id === null ? undefined : reportSummary(r),
  };
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

function storedCatalog(r: Row): StoredCatalog {
  return {
    certname: r.certname as string,
    serial: r.serial as number,
    digest: r.digest as string,
    siteVersion: r.site_version as string,
    inputsKey: r.inputs_key as string,
    envelope: new Uint8Array(r.envelope as Buffer),
    compiledAt: date(r.compiled_at),
  };
}

function compileFailure(r: Row): CompileFailure {
  return {
    certname: r.certname as string,
    siteVersion: r.site_version as string,
    problems: JSON.parse(r.problems as string) as SiteProblem[],
    at: date(r.at),
  };
}

function reportSummary(r: Row): ReportSummary {
  return {
    runId: r.run_id as string,
    certname: r.certname as string,
    status: r.status as string,
    noop: r.noop === 1,
    catalogDigest: r.catalog_digest as string,
    siteVersion: r.site_version as string,
    startedAt: date(r.started_at),
    receivedAt: date(r.received_at),
    durationMs: r.duration_ms as number,
    counts: JSON.parse(r.counts as string) as ReportCounts,
    hasChanges: r.has_changes === 1,
    hasCorrective: r.has_corrective === 1,
    hasPendingNoop: r.has_pending_noop === 1,
    hasFailedEvent: r.has_failed_event === 1,
  };
}

function bootstrapToken(r: Row): BootstrapTokenRecord {
  return {
    id: r.id as string,
    secretSha256: r.secret_sha256 as string,
    certnameGlob: optStr(r.certname_glob),
    expiresAt: date(r.expires_at),
    oneTime: r.one_time === 1,
    usedAt: optDate(r.used_at),
    createdBy: r.created_by as string,
    createdAt: date(r.created_at),
    revokedAt: optDate(r.revoked_at),
  };
}

function apiToken(r: Row): ApiTokenRecord {
  return {
    id: r.id as string,
    secretSha256: r.secret_sha256 as string,
    role: r.role as Role,
    name: r.name as string,
    createdAt: date(r.created_at),
    revokedAt: optDate(r.revoked_at),
  };
}

function certificateRecord(r: Row): CertificateRecord {
  return {
    id: r.id as number,
    certname: r.certname as string,
    state: r.state as CertificateState,
    csrPem: r.csr_pem as string,
    publicKeySha256: r.public_key_sha256 as string,
    certPem: optStr(r.cert_pem),
    serialHex: optStr(r.serial_hex),
    notAfter: optDate(r.not_after),
    requestedAt: date(r.requested_at),
    signedAt: optDate(r.signed_at),
    revokedAt: optDate(r.revoked_at),
    rejectedAt: optDate(r.rejected_at),
    renewalOf: optStr(r.renewal_of),
  };
}

/** An event's columns, in EVENT_COLUMNS order. */
function eventValues(e: Event): unknown[] {
  return [e.resource, e.property, e.desired, e.actual, eventResultWords.word(e.result), e.corrective ? 1 : 0, e.message, e.diff];
}
