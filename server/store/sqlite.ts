// The SQLite implementation of Store (better-sqlite3): one file, WAL so the
// dashboard's reads never wait for an agent's write, versioned migrations.
import BetterSqlite3, { type Database, type Statement } from "better-sqlite3";
import { fromJson, toJson, type JsonValue } from "@bufbuild/protobuf";
import type { SiteProblem } from "../../catalog/compiler.js";
import { normalizeSerialHex } from "../../pki/serial.js";
import { AnclaError } from "../../proto/errors.js";
import { ReportSchema, type Report } from "../../proto/gen/ancla/v1/agent_pb.js";
import { migrate } from "./migrations.js";
import type {
  ApiTokenRecord,
  AuditEntry,
  BootstrapTokenRecord,
  CertificateRecord,
  CertificateRequest,
  CertificateState,
  CompileFailure,
  IssuedCertificate,
  NodeOverview,
  NodeRecord,
  ReportCounts,
  ReportSummary,
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

type Row = Record<string, unknown>;

const ms = (d: Date): number => d.getTime();
const date = (v: unknown): Date => new Date(v as number);
const optDate = (v: unknown): Date | undefined => (v === null || v === undefined ? undefined : new Date(v as number));
const optStr = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : (v as string));

const EMPTY_COUNTS: ReportCounts = { total: 0, changed: 0, failed: 0, skipped: 0, corrective: 0 };

// The report columns plus the event flags status needs, for one report row `r`.
const REPORT_SUMMARY_COLUMNS = `
  r.run_id, r.certname, r.status, r.noop, r.catalog_digest, r.site_version, r.started_at,
  r.received_at, r.duration_ms, r.counts,
  EXISTS (SELECT 1 FROM events e WHERE e.report_id = r.id AND e.corrective = 1) AS has_corrective,
  EXISTS (SELECT 1 FROM events e WHERE e.report_id = r.id AND e.result = 'noop') AS has_pending_noop,
  EXISTS (SELECT 1 FROM events e WHERE e.report_id = r.id AND e.result = 'failed') AS has_failed_event`;

const LATEST_REPORT_ID = `(SELECT id FROM reports WHERE certname = ? ORDER BY started_at DESC, id DESC LIMIT 1)`;

class SqliteStore implements Store {
  private readonly cache = new Map<string, Statement>();

  constructor(private readonly db: Database) {}

  // Prepared once per SQL text: statements are reused on every RPC.
  private stmt(sql: string): Statement {
    let s = this.cache.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.cache.set(sql, s);
    }
    return s;
  }

  private get(sql: string, ...params: unknown[]): Row | undefined {
    return this.stmt(sql).get(...params) as Row | undefined;
  }

  private all(sql: string, ...params: unknown[]): Row[] {
    return this.stmt(sql).all(...params) as Row[];
  }

  private run(sql: string, ...params: unknown[]): number {
    return this.stmt(sql).run(...params).changes;
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  close(): void {
    this.db.close();
  }

  // ---- nodes

  recordCheckin(certname: string, facts: Record<string, unknown> | undefined, at: Date): void {
    const factsJson = facts === undefined ? null : JSON.stringify(facts);
    this.run(
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
    this.run(`INSERT OR IGNORE INTO nodes (certname, first_checkin_at, last_checkin_at) VALUES (@certname, @at, @at)`, { certname, at: ms(at) });
  }

  getNode(certname: string): NodeRecord | undefined {
    const r = this.get(`SELECT * FROM nodes WHERE certname = ?`, certname);
    if (!r) return undefined;
    return {
      certname: r.certname as string,
      firstCheckinAt: date(r.first_checkin_at),
      lastCheckinAt: date(r.last_checkin_at),
      facts: r.facts === null ? undefined : (JSON.parse(r.facts as string) as Record<string, unknown>),
      factsUpdatedAt: optDate(r.facts_updated_at),
    };
  }

  nodeOverviews(): NodeOverview[] {
    const rows = this.all(
      `SELECT n.certname AS node, n.first_checkin_at, n.last_checkin_at, cf.at AS failure_at, r.id AS report_id, ${REPORT_SUMMARY_COLUMNS}
       FROM nodes n
       LEFT JOIN compile_failures cf ON cf.certname = n.certname
       LEFT JOIN reports r ON r.id = (SELECT id FROM reports WHERE certname = n.certname ORDER BY started_at DESC, id DESC LIMIT 1)
       ORDER BY n.certname`,
    );
    return rows.map((r) => ({
      certname: r.node as string,
      firstCheckinAt: date(r.first_checkin_at),
      lastCheckinAt: date(r.last_checkin_at),
      compileFailureAt: optDate(r.failure_at),
      latest: r.report_id === null ? undefined : reportSummary(r),
    }));
  }

  // ---- catalogs

  getCurrentCatalog(certname: string): StoredCatalog | undefined {
    const r = this.get(`SELECT * FROM catalogs WHERE certname = ? ORDER BY serial DESC LIMIT 1`, certname);
    if (!r) return undefined;
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

  saveCatalog(c: StoredCatalog): void {
    try {
      this.run(
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

  nextCatalogSerial(certname: string): number {
    const r = this.get(`SELECT COALESCE(MAX(serial), 0) + 1 AS next FROM catalogs WHERE certname = ?`, certname);
    return r!.next as number;
  }

  // ---- compile failures

  recordCompileFailure(certname: string, siteVersion: string, problems: SiteProblem[], at: Date): void {
    this.transaction(() => {
      this.ensureNode(certname, at);
      this.run(
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
    this.run(`DELETE FROM compile_failures WHERE certname = ?`, certname);
  }

  getCompileFailure(certname: string): CompileFailure | undefined {
    const r = this.get(`SELECT * FROM compile_failures WHERE certname = ?`, certname);
    if (!r) return undefined;
    return {
      certname: r.certname as string,
      siteVersion: r.site_version as string,
      problems: JSON.parse(r.problems as string) as SiteProblem[],
      at: date(r.at),
    };
  }

  // ---- reports

  saveReport(report: Report, receivedAt: Date): boolean {
    if (!report.runId) throw new AnclaError("ANCLA_E_INVALID_ARGUMENT", "the report has no run id");
    if (!report.certname) throw new AnclaError("ANCLA_E_INVALID_ARGUMENT", `report ${report.runId} has no certname`);
    // The agent's clock decides run order (queued reports arrive late); an unreadable time falls back to arrival.
    const started = Date.parse(report.startedAt);
    const counts: ReportCounts = { ...EMPTY_COUNTS, ...countsOf(report) };
    return this.transaction(() => {
      const inserted = this.stmt(
        `INSERT INTO reports (run_id, certname, status, noop, catalog_digest, site_version, started_at, received_at, duration_ms, counts, report)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id) DO NOTHING`,
      ).run(
        report.runId,
        report.certname,
        report.status,
        report.noop ? 1 : 0,
        report.catalogDigest,
        report.siteVersion,
        Number.isNaN(started) ? ms(receivedAt) : started,
        ms(receivedAt),
        report.durationMs,
        JSON.stringify(counts),
        JSON.stringify(toJson(ReportSchema, report)),
      );
      if (inserted.changes === 0) return false;
      const insertEvent = this.stmt(
        `INSERT INTO events (report_id, resource, property, desired, actual, result, corrective, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const e of report.events) {
        insertEvent.run(inserted.lastInsertRowid, e.resource, e.property, e.desired, e.actual, e.result, e.corrective ? 1 : 0, e.message);
      }
      this.ensureNode(report.certname, receivedAt);
      return true;
    });
  }

  latestReport(certname: string): Report | undefined {
    const r = this.get(`SELECT report FROM reports WHERE id = ${LATEST_REPORT_ID}`, certname);
    return r ? fromJson(ReportSchema, JSON.parse(r.report as string) as JsonValue) : undefined;
  }

  latestReportSummary(certname: string): ReportSummary | undefined {
    const r = this.get(`SELECT ${REPORT_SUMMARY_COLUMNS} FROM reports r WHERE r.id = ${LATEST_REPORT_ID}`, certname);
    return r ? reportSummary(r) : undefined;
  }

  // ---- certificates

  isSerialRevoked(serialHex: string): boolean {
    return this.get(`SELECT 1 FROM certificates WHERE state = 'revoked' AND serial_hex = ?`, normalizeSerialHex(serialHex)) !== undefined;
  }

  pendingCertificate(certname: string): CertificateRecord | undefined {
    const r = this.get(`SELECT * FROM certificates WHERE certname = ? AND state = 'pending'`, certname);
    return r ? certificateRecord(r) : undefined;
  }

  liveCertificate(certname: string, at: Date): CertificateRecord | undefined {
    const r = this.get(
      `SELECT * FROM certificates WHERE certname = ? AND state = 'signed' AND not_after > ? ORDER BY id DESC LIMIT 1`,
      certname,
      ms(at),
    );
    return r ? certificateRecord(r) : undefined;
  }

  certificateForKey(certname: string, publicKeySha256: string): CertificateRecord | undefined {
    const r = this.get(`SELECT * FROM certificates WHERE certname = ? AND public_key_sha256 = ? ORDER BY id DESC LIMIT 1`, certname, publicKeySha256);
    return r ? certificateRecord(r) : undefined;
  }

  savePendingRequest(req: CertificateRequest): void {
    this.transaction(() => {
      this.run(`DELETE FROM certificates WHERE certname = ? AND state = 'pending'`, req.certname);
      this.run(
        `INSERT INTO certificates (certname, state, csr_pem, public_key_sha256, requested_at) VALUES (?, 'pending', ?, ?, ?)`,
        req.certname,
        req.csrPem,
        req.publicKeySha256,
        ms(req.requestedAt),
      );
    });
  }

  insertSignedCertificate(req: CertificateRequest, issued: IssuedCertificate): void {
    this.transaction(() => {
      // A request signed through another path (a token) supersedes the one waiting for an operator.
      this.run(`DELETE FROM certificates WHERE certname = ? AND state = 'pending'`, req.certname);
      this.run(
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
    const changed = this.run(
      `UPDATE certificates SET state = 'signed', cert_pem = ?, serial_hex = ?, not_after = ?, signed_at = ? WHERE id = ? AND state = 'pending'`,
      issued.certPem,
      issued.serialHex,
      ms(issued.notAfter),
      ms(issued.signedAt),
      id,
    );
    if (changed === 0) throw new AnclaError("ANCLA_E_CERT_UNKNOWN", `certificate request ${id} is no longer pending`);
  }

  revokeCertificates(certname: string, at: Date): string[] {
    return this.transaction(() => {
      const serials = this.all(`SELECT serial_hex FROM certificates WHERE certname = ? AND state = 'signed'`, certname).map((r) => r.serial_hex as string);
      this.run(`UPDATE certificates SET state = 'revoked', revoked_at = ? WHERE certname = ? AND state = 'signed'`, ms(at), certname);
      return serials;
    });
  }

  listCertificates(): CertificateRecord[] {
    return this.all(`SELECT * FROM certificates WHERE id IN (SELECT MAX(id) FROM certificates GROUP BY certname) ORDER BY certname`).map(certificateRecord);
  }

  revokedCertificates(): { serialHex: string; revokedAt: Date }[] {
    return this.all(`SELECT serial_hex, revoked_at FROM certificates WHERE state = 'revoked' ORDER BY revoked_at`).map((r) => ({
      serialHex: r.serial_hex as string,
      revokedAt: date(r.revoked_at),
    }));
  }

  // ---- bootstrap tokens

  insertBootstrapToken(t: BootstrapTokenRecord): void {
    this.run(
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
    const r = this.get(`SELECT * FROM tokens WHERE secret_sha256 = ?`, secretSha256);
    if (!r) return undefined;
    return {
      id: r.id as string,
      secretSha256: r.secret_sha256 as string,
      certnameGlob: optStr(r.certname_glob),
      expiresAt: date(r.expires_at),
      oneTime: r.one_time === 1,
      usedAt: optDate(r.used_at),
      createdBy: r.created_by as string,
      createdAt: date(r.created_at),
    };
  }

  claimBootstrapToken(id: string, at: Date): boolean {
    // One statement, so two agents racing for a one-time token cannot both win.
    return this.run(`UPDATE tokens SET used_at = ? WHERE id = ? AND (one_time = 0 OR used_at IS NULL)`, ms(at), id) === 1;
  }

  // ---- operator tokens

  insertApiToken(t: ApiTokenRecord): void {
    this.run(`INSERT INTO api_tokens (id, secret_sha256, role, name, created_at) VALUES (?, ?, ?, ?, ?)`, t.id, t.secretSha256, t.role, t.name, ms(t.createdAt));
  }

  findApiToken(secretSha256: string): ApiTokenRecord | undefined {
    const r = this.get(`SELECT * FROM api_tokens WHERE secret_sha256 = ?`, secretSha256);
    if (!r) return undefined;
    return { id: r.id as string, secretSha256: r.secret_sha256 as string, role: r.role as Role, name: r.name as string, createdAt: date(r.created_at) };
  }

  // ---- audit log

  appendAudit(e: AuditEntry): void {
    this.run(`INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)`, ms(e.at), e.actor, e.action, e.target, JSON.stringify(e.detail));
  }

  listAudit(opts: { limit: number; beforeId?: number }): StoredAuditEntry[] {
    const rows = this.all(`SELECT * FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?`, opts.beforeId ?? Number.MAX_SAFE_INTEGER, opts.limit);
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

function countsOf(report: Report): Partial<ReportCounts> {
  const c = report.counts;
  return c ? { total: c.total, changed: c.changed, failed: c.failed, skipped: c.skipped, corrective: c.corrective } : {};
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
    hasCorrective: r.has_corrective === 1,
    hasPendingNoop: r.has_pending_noop === 1,
    hasFailedEvent: r.has_failed_event === 1,
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
  };
}
