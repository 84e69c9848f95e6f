// Versioned schema migrations, applied in order. Append only: a released
// migration is never edited, a change is a new entry. Times are Unix epoch
// milliseconds (INTEGER) so comparisons and ordering are exact.
import type { Database } from "better-sqlite3";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: "initial schema",
    sql: `
      CREATE TABLE nodes (
        certname          TEXT PRIMARY KEY,
        first_checkin_at  INTEGER NOT NULL,
        last_checkin_at   INTEGER NOT NULL,
        facts             TEXT,
        facts_updated_at  INTEGER
      );

      CREATE TABLE catalogs (
        id            INTEGER PRIMARY KEY,
        certname      TEXT NOT NULL,
        serial        INTEGER NOT NULL,
        digest        TEXT NOT NULL,
        site_version  TEXT NOT NULL,
        inputs_key    TEXT NOT NULL,
        envelope      BLOB NOT NULL,
        compiled_at   INTEGER NOT NULL,
        UNIQUE (certname, serial)
      );

      CREATE TABLE compile_failures (
        certname      TEXT PRIMARY KEY,
        site_version  TEXT NOT NULL,
        problems      TEXT NOT NULL,
        at            INTEGER NOT NULL
      );

      CREATE TABLE reports (
        id              INTEGER PRIMARY KEY,
        run_id          TEXT NOT NULL UNIQUE,
        certname        TEXT NOT NULL,
        status          TEXT NOT NULL,
        noop            INTEGER NOT NULL,
        catalog_digest  TEXT NOT NULL,
        site_version    TEXT NOT NULL,
        started_at      INTEGER NOT NULL,
        received_at     INTEGER NOT NULL,
        duration_ms     INTEGER NOT NULL,
        counts          TEXT NOT NULL,
        report          TEXT NOT NULL
      );
      -- latest report per node
      CREATE INDEX reports_by_node ON reports (certname, started_at DESC, id DESC);

      CREATE TABLE events (
        id          INTEGER PRIMARY KEY,
        report_id   INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
        resource    TEXT NOT NULL,
        property    TEXT NOT NULL,
        desired     TEXT NOT NULL,
        actual      TEXT NOT NULL,
        result      TEXT NOT NULL,
        corrective  INTEGER NOT NULL,
        message     TEXT NOT NULL
      );
      CREATE INDEX events_by_report ON events (report_id, corrective);

      -- One row per request/certificate; revoked rows stay so the CRL can list them.
      CREATE TABLE certificates (
        id                 INTEGER PRIMARY KEY,
        certname           TEXT NOT NULL,
        state              TEXT NOT NULL CHECK (state IN ('pending', 'signed', 'rejected', 'revoked')),
        csr_pem            TEXT NOT NULL,
        public_key_sha256  TEXT NOT NULL,
        cert_pem           TEXT,
        serial_hex         TEXT UNIQUE,
        not_after          INTEGER,
        requested_at       INTEGER NOT NULL,
        signed_at          INTEGER,
        revoked_at         INTEGER
      );
      CREATE INDEX certificates_by_name ON certificates (certname, id DESC);
      -- at most one waiting request per certname
      CREATE UNIQUE INDEX certificates_one_pending ON certificates (certname) WHERE state = 'pending';
      CREATE INDEX certificates_revoked ON certificates (state, serial_hex);

      CREATE TABLE tokens (
        id             TEXT PRIMARY KEY,
        secret_sha256  TEXT NOT NULL UNIQUE,
        certname_glob  TEXT,
        expires_at     INTEGER NOT NULL,
        one_time       INTEGER NOT NULL,
        used_at        INTEGER,
        created_by     TEXT NOT NULL,
        created_at     INTEGER NOT NULL
      );

      CREATE TABLE api_tokens (
        id             TEXT PRIMARY KEY,
        secret_sha256  TEXT NOT NULL UNIQUE,
        role           TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
        name           TEXT NOT NULL,
        created_at     INTEGER NOT NULL
      );

      CREATE TABLE audit_log (
        id      INTEGER PRIMARY KEY,
        at      INTEGER NOT NULL,
        actor   TEXT NOT NULL,
        action  TEXT NOT NULL,
        target  TEXT NOT NULL,
        detail  TEXT NOT NULL
      );
      CREATE INDEX audit_by_time ON audit_log (at DESC, id DESC);
    `,
  },
];

/**
 * Brings the database to the latest version. Each migration runs in its own
 * transaction together with its schema_migrations row, so a crash leaves the
 * schema at a known version and a reopen continues from there.
 */
export function migrate(db: Database, list: readonly Migration[] = migrations): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version     INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    applied_at  INTEGER NOT NULL
  )`);
  const applied = new Set((db.prepare("SELECT version FROM schema_migrations").all() as { version: number }[]).map((r) => r.version));
  const record = db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
  const ran: number[] = [];
  for (const m of [...list].sort((a, b) => a.version - b.version)) {
    if (applied.has(m.version)) continue;
    // IMMEDIATE: take the write lock first, so two processes opening a fresh file cannot both apply it.
    db.transaction(() => {
      const again = db.prepare("SELECT 1 FROM schema_migrations WHERE version = ?").get(m.version);
      if (again) return;
      db.exec(m.sql);
      record.run(m.version, m.name, Date.now());
      ran.push(m.version);
    }).immediate();
  }
  return ran;
}
