// Versioned schema migrations, applied in order. Append only: a released
// migration is never edited, a change is a new entry. Times are Unix epoch
// milliseconds (INTEGER) so comparisons and ordering are exact.
import type { Database } from "better-sqlite3";
import { runStatus } from "../../status.js";
import { flattenFacts } from "../facts.js";

export interface Migration {
  version: number;
  name: string;
  sql: string;
  /** Fills what the SQL added from existing rows, when that needs code; same transaction as `sql`. */
  data?(db: Database): void;
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
  {
    version: 2,
    name: "node summaries, daily rollups, fact rows and report filters (issue 5)",
    sql: `
      -- Per-report flags and the run's own status (server/status.ts runStatus), written on ingest,
      -- so listings and filters never look at events.
      ALTER TABLE reports ADD COLUMN has_changes INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE reports ADD COLUMN has_corrective INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE reports ADD COLUMN has_pending_noop INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE reports ADD COLUMN has_failed_event INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE reports ADD COLUMN run_status TEXT NOT NULL DEFAULT 'unchanged';
      UPDATE reports SET
        has_changes      = EXISTS (SELECT 1 FROM events e WHERE e.report_id = reports.id AND e.result = 'changed'),
        has_corrective   = EXISTS (SELECT 1 FROM events e WHERE e.report_id = reports.id AND e.corrective = 1),
        has_pending_noop = EXISTS (SELECT 1 FROM events e WHERE e.report_id = reports.id AND e.result = 'noop'),
        has_failed_event = EXISTS (SELECT 1 FROM events e WHERE e.report_id = reports.id AND e.result = 'failed');

      -- The event's file diff (proto Event.diff), so a report's events page without parsing the report.
      ALTER TABLE events ADD COLUMN diff TEXT NOT NULL DEFAULT '';

      -- Report listings: newest first overall, by status, changes only, corrective only (keyset on started_at, id).
      CREATE INDEX reports_by_time ON reports (started_at DESC, id DESC);
      CREATE INDEX reports_by_status ON reports (status, started_at DESC, id DESC);
      CREATE INDEX reports_with_changes ON reports (started_at DESC, id DESC) WHERE has_changes = 1;
      CREATE INDEX reports_with_corrective ON reports (started_at DESC, id DESC) WHERE has_corrective = 1;
      CREATE INDEX catalogs_by_digest ON catalogs (digest, id DESC);

      -- One narrow row per node with all its status depends on, kept in the same transaction as
      -- each write that changes it (first contact, report, compile failure): node lists, filters and
      -- counts scan this table alone, never the wide nodes rows (facts) or reports.
      CREATE TABLE node_summaries (
        certname           TEXT PRIMARY KEY,
        first_checkin_at   INTEGER NOT NULL,
        compile_failed_at  INTEGER,
        -- the latest run by start time (the agent's clock), NULL until the first report
        report_id          INTEGER,
        started_at         INTEGER,
        received_at        INTEGER,
        run_status         TEXT
      );

      -- Runs per UTC day (of their start) by run status, kept on ingest; retention leaves it alone.
      CREATE TABLE report_days (
        day        TEXT PRIMARY KEY,
        runs       INTEGER NOT NULL DEFAULT 0,
        failed     INTEGER NOT NULL DEFAULT 0,
        drifted    INTEGER NOT NULL DEFAULT 0,
        noop       INTEGER NOT NULL DEFAULT 0,
        changed    INTEGER NOT NULL DEFAULT 0,
        unchanged  INTEGER NOT NULL DEFAULT 0
      );

      -- Facts flattened to path/value rows on check-in, so "os.family = debian" is an index lookup.
      CREATE TABLE node_facts (
        certname  TEXT NOT NULL,
        path      TEXT NOT NULL,
        value     TEXT NOT NULL,
        PRIMARY KEY (certname, path)
      ) WITHOUT ROWID;
      CREATE INDEX node_facts_by_value ON node_facts (path, value);
    `,
    data: backfillIssue5,
  },
  {
    version: 3,
    name: "artifact store (issue 6)",
    sql: `
      -- Operator-pushed artifacts (images): NAME@VERSION names one SHA-256, for good.
      -- The bytes live content-addressed under the data dir (server/artifacts/store.ts).
      CREATE TABLE artifacts (
        name        TEXT NOT NULL,
        version     TEXT NOT NULL,
        sha256      TEXT NOT NULL,
        size        INTEGER NOT NULL,
        pushed_by   TEXT NOT NULL,
        pushed_at   INTEGER NOT NULL,
        PRIMARY KEY (name, version)
      );
      CREATE INDEX artifacts_by_sha256 ON artifacts (sha256);
    `,
  },
  {
    version: 4,
    name: "certificate requests: rejection time, renewals of expired certificates, expiry of waiting requests (issues 11, 12)",
    sql: `
      -- When an operator rejected the request (shown as "rejected <time>", not as "revoked: never").
      ALTER TABLE certificates ADD COLUMN rejected_at INTEGER;
      -- A waiting request whose key is that of this expired, unrevoked certificate (serial):
      -- a host that was offline past its certificate's validity asking back in.
      ALTER TABLE certificates ADD COLUMN renewal_of TEXT;
      -- Waiting requests by age: the oldest expire, and their number is capped.
      CREATE INDEX certificates_pending_by_time ON certificates (requested_at) WHERE state = 'pending';
    `,
  },
  {
    version: 5,
    name: "revocable tokens, dashboard sessions, reports keyed per node and ordered by arrival (issues 11, 12)",
    sql: `
      -- A revoked token stays listed (who made it, when it was revoked) but authenticates nothing.
      ALTER TABLE tokens ADD COLUMN revoked_at INTEGER;
      ALTER TABLE api_tokens ADD COLUMN revoked_at INTEGER;

      -- Dashboard logins: the cookie holds a random session id, stored only as its SHA-256;
      -- revoking the token ends its sessions (deleted with the revocation), logout deletes one.
      CREATE TABLE dashboard_sessions (
        id_sha256   TEXT PRIMARY KEY,
        token_id    TEXT NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
        created_at  INTEGER NOT NULL,
        expires_at  INTEGER NOT NULL
      );
      CREATE INDEX dashboard_sessions_by_token ON dashboard_sessions (token_id);
      CREATE INDEX dashboard_sessions_by_expiry ON dashboard_sessions (expires_at);

      -- A run id is unique per node, not fleet-wide: another node reusing it must not shadow the
      -- first node's report. SQLite cannot drop a UNIQUE column constraint, so both tables are
      -- rebuilt with the same row ids. The new events table references the new reports table
      -- from the start: dropping the old reports table while events referenced it would cascade.
      CREATE TABLE reports_v5 (
        id                INTEGER PRIMARY KEY,
        run_id            TEXT NOT NULL,
        certname          TEXT NOT NULL,
        status            TEXT NOT NULL,
        noop              INTEGER NOT NULL,
        catalog_digest    TEXT NOT NULL,
        site_version      TEXT NOT NULL,
        started_at        INTEGER NOT NULL,
        received_at       INTEGER NOT NULL,
        duration_ms       INTEGER NOT NULL,
        counts            TEXT NOT NULL,
        report            TEXT NOT NULL,
        has_changes       INTEGER NOT NULL DEFAULT 0,
        has_corrective    INTEGER NOT NULL DEFAULT 0,
        has_pending_noop  INTEGER NOT NULL DEFAULT 0,
        has_failed_event  INTEGER NOT NULL DEFAULT 0,
        run_status        TEXT NOT NULL DEFAULT 'unchanged',
        UNIQUE (certname, run_id)
      );
      INSERT INTO reports_v5 (id, run_id, certname, status, noop, catalog_digest, site_version, started_at, received_at, duration_ms,
                              counts, report, has_changes, has_corrective, has_pending_noop, has_failed_event, run_status)
      SELECT id, run_id, certname, status, noop, catalog_digest, site_version, started_at, received_at, duration_ms,
             counts, report, has_changes, has_corrective, has_pending_noop, has_failed_event, run_status FROM reports;
      CREATE TABLE events_v5 (
        id          INTEGER PRIMARY KEY,
        report_id   INTEGER NOT NULL REFERENCES reports_v5 (id) ON DELETE CASCADE,
        resource    TEXT NOT NULL,
        property    TEXT NOT NULL,
        desired     TEXT NOT NULL,
        actual      TEXT NOT NULL,
        result      TEXT NOT NULL,
        corrective  INTEGER NOT NULL,
        message     TEXT NOT NULL,
        diff        TEXT NOT NULL DEFAULT ''
      );
      INSERT INTO events_v5 (id, report_id, resource, property, desired, actual, result, corrective, message, diff)
      SELECT id, report_id, resource, property, desired, actual, result, corrective, message, diff FROM events;
      DROP TABLE events;
      DROP TABLE reports;
      -- Renaming rewrites events_v5's REFERENCES to the new name.
      ALTER TABLE reports_v5 RENAME TO reports;
      ALTER TABLE events_v5 RENAME TO events;
      CREATE INDEX events_by_report ON events (report_id, corrective);

      -- Runs are ordered by when the server received them (its clock), not by the agent's start
      -- time: an agent whose clock runs days ahead must not hold "last run" or the top of the list.
      CREATE INDEX reports_by_node ON reports (certname, received_at DESC, id DESC);
      CREATE INDEX reports_by_time ON reports (received_at DESC, id DESC);
      CREATE INDEX reports_by_status ON reports (status, received_at DESC, id DESC);
      CREATE INDEX reports_with_changes ON reports (received_at DESC, id DESC) WHERE has_changes = 1;
      CREATE INDEX reports_with_corrective ON reports (received_at DESC, id DESC) WHERE has_corrective = 1;
      -- GET /reports/RUN_ID without a node
      CREATE INDEX reports_by_run ON reports (run_id);
      UPDATE node_summaries SET (report_id, started_at, received_at, run_status) = (
        SELECT r.id, r.started_at, r.received_at, r.run_status FROM reports r
        WHERE r.certname = node_summaries.certname ORDER BY r.received_at DESC, r.id DESC LIMIT 1)
      WHERE report_id IS NOT NULL;
    `,
  },
  {
    version: 6,
    name: "node deactivation (issue 12.17)",
    sql: `
      -- A deactivated node is left out of lists and counts (and so never "unresponsive") until it
      -- checks in or reports again, which clears this.
      ALTER TABLE node_summaries ADD COLUMN deactivated_at INTEGER;
    `,
  },
  {
    version: 7,
    name: "revoked server certificates (issue 11.10)",
    sql: `
      -- The server's own certificates revoked (a rotated catalog-signing key): listed in the CRL
      -- beside the agents' revoked certificates, which the certificates table holds.
      CREATE TABLE revoked_server_certificates (
        serial_hex  TEXT PRIMARY KEY,
        subject     TEXT NOT NULL,
        revoked_at  INTEGER NOT NULL
      );
    `,
  },
  {
    version: 8,
    name: "releases (issue 13)",
    sql: `
      -- Each site version the server saw, its files kept by SHA-256 in <data-dir>/releases/
      -- (manifest: JSON list of path, sha256, size, mode, link), so a node compiles at any of them.
      CREATE TABLE releases (
        version        TEXT PRIMARY KEY,
        commit_sha     TEXT,
        author         TEXT,
        subject        TEXT,
        first_seen_at  INTEGER NOT NULL,
        files          INTEGER NOT NULL,
        bytes          INTEGER NOT NULL,
        manifest       TEXT NOT NULL
      );
      CREATE INDEX releases_by_first_seen ON releases (first_seen_at DESC);
    `,
  },
  {
    version: 9,
    name: "node environments (issue 13)",
    sql: `
      -- From the node's last successful compile (nodes.yaml environment:); NULL until then.
      ALTER TABLE node_summaries ADD COLUMN environment TEXT;
      CREATE INDEX node_summaries_by_environment ON node_summaries (environment) WHERE environment IS NOT NULL;
    `,
  },
  {
    version: 10,
    name: "rollouts (issue 13)",
    sql: `
      -- The release each environment with a strategy stays on until a rollout completes.
      CREATE TABLE environment_releases (
        environment  TEXT PRIMARY KEY,
        stable       TEXT NOT NULL,
        updated_at   INTEGER NOT NULL
      );
      -- A release rolled back in an environment: starting it there again needs --force.
      CREATE TABLE bad_releases (
        environment  TEXT NOT NULL,
        version      TEXT NOT NULL,
        rollout_id   TEXT NOT NULL,
        reason       TEXT NOT NULL,
        at           INTEGER NOT NULL,
        PRIMARY KEY (environment, version)
      );
      CREATE TABLE rollouts (
        id               TEXT PRIMARY KEY,
        environment      TEXT NOT NULL,
        from_release     TEXT NOT NULL,
        to_release       TEXT NOT NULL,
        strategy         TEXT NOT NULL,
        state            TEXT NOT NULL,
        step             INTEGER NOT NULL,
        step_started_at  INTEGER NOT NULL,
        baked_ms         INTEGER NOT NULL,
        created_by       TEXT NOT NULL,
        created_at       INTEGER NOT NULL,
        updated_at       INTEGER NOT NULL,
        ended_at         INTEGER,
        reason           TEXT,
        approvals        TEXT NOT NULL
      );
      -- One rollout per environment that has not ended: the database refuses a second, whatever races.
      CREATE UNIQUE INDEX rollouts_one_active ON rollouts (environment) WHERE ended_at IS NULL;
      CREATE INDEX rollouts_by_created ON rollouts (created_at);
      CREATE TABLE rollout_nodes (
        rollout_id  TEXT NOT NULL REFERENCES rollouts (id) ON DELETE CASCADE,
        certname    TEXT NOT NULL,
        step        INTEGER NOT NULL,
        moved_at    INTEGER NOT NULL,
        PRIMARY KEY (rollout_id, certname)
      );
      CREATE TABLE rollout_events (
        id          INTEGER PRIMARY KEY,
        rollout_id  TEXT NOT NULL REFERENCES rollouts (id) ON DELETE CASCADE,
        at          INTEGER NOT NULL,
        kind        TEXT NOT NULL,
        message     TEXT NOT NULL,
        detail      TEXT
      );
      CREATE INDEX rollout_events_by_rollout ON rollout_events (rollout_id, id);
    `,
  },
  {
    version: 11,
    name: "health: probe minutes and hours, saturation minutes, batch ids (issue 14)",
    sql: `
      -- Health rows name nodes by a small integer: a cohort's read checks every row's node
      -- against the cohort, and integers compare far faster than certnames.
      CREATE TABLE health_nodes (
        id        INTEGER PRIMARY KEY,
        certname  TEXT NOT NULL UNIQUE
      );
      -- ReportHealth batch ids per node, so a redelivered batch is stored once; kept a day.
      CREATE TABLE health_batches (
        node         INTEGER NOT NULL,
        batch_id     TEXT NOT NULL,
        received_at  INTEGER NOT NULL,
        PRIMARY KEY (node, batch_id)
      ) WITHOUT ROWID;
      CREATE INDEX health_batches_by_received ON health_batches (received_at);
      -- One row per node, probe and minute (epoch ms, floored; server time): the windows placed in
      -- that minute summed. latency: the merged histogram (catalog/health/histogram.ts encodeBuckets).
      -- Keyed probe and minute first: a cohort's read (one probe, a few minutes, thousands of
      -- nodes) and retention are one range of the table, in order; a node's page reads the index.
      CREATE TABLE probe_minutes (
        probe         TEXT NOT NULL,
        minute        INTEGER NOT NULL,
        node          INTEGER NOT NULL,
        site_version  TEXT NOT NULL,
        count         INTEGER NOT NULL,
        err_timeout   INTEGER NOT NULL,
        err_refused   INTEGER NOT NULL,
        err_status    INTEGER NOT NULL,
        err_body      INTEGER NOT NULL,
        latency       BLOB NOT NULL,
        PRIMARY KEY (probe, minute, node)
      ) WITHOUT ROWID;
      CREATE INDEX probe_minutes_by_node ON probe_minutes (node, probe, minute);
      -- The same per hour (epoch ms, floored), kept 35 days.
      CREATE TABLE probe_hours (
        probe         TEXT NOT NULL,
        hour          INTEGER NOT NULL,
        node          INTEGER NOT NULL,
        site_version  TEXT NOT NULL,
        count         INTEGER NOT NULL,
        err_timeout   INTEGER NOT NULL,
        err_refused   INTEGER NOT NULL,
        err_status    INTEGER NOT NULL,
        err_body      INTEGER NOT NULL,
        latency       BLOB NOT NULL,
        PRIMARY KEY (probe, hour, node)
      ) WITHOUT ROWID;
      CREATE INDEX probe_hours_by_node ON probe_hours (node, probe, hour);
      -- Host saturation per node and minute: sums over the windows placed in it (means = sum / windows);
      -- disk_max the fullest mount seen, NULL when no window listed a mount. Keyed by node first:
      -- a cohort's means are per node, so its nodes' rows are read in order.
      CREATE TABLE saturation_minutes (
        node        INTEGER NOT NULL,
        minute      INTEGER NOT NULL,
        windows     INTEGER NOT NULL,
        cpu_sum     REAL NOT NULL,
        memory_sum  REAL NOT NULL,
        load_sum    REAL NOT NULL,
        disk_max    REAL,
        PRIMARY KEY (node, minute)
      ) WITHOUT ROWID;
      CREATE INDEX saturation_minutes_by_minute ON saturation_minutes (minute);
      -- Where minute rows begin (an hour boundary, moved forward by retention): every hour before
      -- it is read from probe_hours, every hour from it on from probe_minutes.
      CREATE TABLE health_state (
        id            INTEGER PRIMARY KEY CHECK (id = 1),
        minutes_from  INTEGER NOT NULL
      );
      INSERT INTO health_state (id, minutes_from) VALUES (1, 0);
    `,
  },
  {
    version: 12,
    name: "secrets: scopes and sealed versions (issue 15)",
    sql: `
      -- A secret's scope and description; never its value.
      CREATE TABLE secrets (
        name         TEXT PRIMARY KEY,
        environment  TEXT,
        nodes_glob   TEXT,
        description  TEXT,
        created_by   TEXT NOT NULL,
        created_at   INTEGER NOT NULL,
        updated_by   TEXT NOT NULL,
        updated_at   INTEGER NOT NULL
      );
      -- Each version sealed on its own (server/secrets/seal.ts): AES-256-GCM under a data key of its
      -- own, that key wrapped by the KMS's key-encryption key kek_version. Plaintext is never stored.
      CREATE TABLE secret_versions (
        name         TEXT NOT NULL REFERENCES secrets (name) ON DELETE CASCADE,
        version      INTEGER NOT NULL,
        kek_version  INTEGER NOT NULL,
        wrapped_key  BLOB NOT NULL,
        iv           BLOB NOT NULL,
        ciphertext   BLOB NOT NULL,
        tag          BLOB NOT NULL,
        created_by   TEXT NOT NULL,
        created_at   INTEGER NOT NULL,
        PRIMARY KEY (name, version)
      ) WITHOUT ROWID;
      CREATE INDEX secret_versions_by_kek ON secret_versions (kek_version);
    `,
  },
  {
    version: 13,
    name: "secret deliveries: which versions each node's current catalog holds (issue 15)",
    sql: `
      -- Replaced with each catalog signed for the node: an older version that no row names is retired.
      CREATE TABLE secret_deliveries (
        certname  TEXT NOT NULL,
        name      TEXT NOT NULL,
        version   INTEGER NOT NULL,
        PRIMARY KEY (certname, name)
      ) WITHOUT ROWID;
      CREATE INDEX secret_deliveries_by_version ON secret_deliveries (name, version);
    `,
  },
];

/** Version 2's rows from version 1's: run statuses, diffs, summaries, rollups, fact rows. */
function backfillIssue5(db: Database): void {
  const setStatus = db.prepare("UPDATE reports SET run_status = ? WHERE id = ?");
  // .all(), not .iterate(): better-sqlite3 allows no other statement while an iterator is open.
  for (const r of db.prepare("SELECT id, status, noop, counts, has_corrective, has_pending_noop, has_failed_event FROM reports").all() as Record<string, unknown>[]) {
    const status = runStatus({
      status: r.status as string,
      noop: r.noop === 1,
      counts: JSON.parse(r.counts as string),
      hasCorrective: r.has_corrective === 1,
      hasPendingNoop: r.has_pending_noop === 1,
      hasFailedEvent: r.has_failed_event === 1,
    });
    setStatus.run(status, r.id);
  }
  // Events were stored in the report's order, so the n-th event row of a report is its n-th event.
  const eventIds = db.prepare("SELECT id FROM events WHERE report_id = ? ORDER BY id");
  const setDiff = db.prepare("UPDATE events SET diff = ? WHERE id = ?");
  const reportJson = db.prepare("SELECT report FROM reports WHERE id = ?").pluck();
  for (const id of db.prepare(`SELECT id FROM reports WHERE report LIKE '%"diff"%'`).pluck().all() as number[]) {
    const events = (JSON.parse(reportJson.get(id) as string) as { events?: { diff?: string }[] }).events ?? [];
    const ids = eventIds.all(id) as { id: number }[];
    ids.forEach((e, i) => {
      if (events[i]?.diff) setDiff.run(events[i].diff, e.id);
    });
  }
  db.exec(`
    INSERT INTO node_summaries (certname, first_checkin_at, compile_failed_at)
    SELECT n.certname, n.first_checkin_at, cf.at FROM nodes n LEFT JOIN compile_failures cf ON cf.certname = n.certname;
    UPDATE node_summaries SET (report_id, started_at, received_at, run_status) = (
      SELECT r.id, r.started_at, r.received_at, r.run_status FROM reports r
      WHERE r.certname = node_summaries.certname ORDER BY r.started_at DESC, r.id DESC LIMIT 1);
    INSERT INTO report_days (day, runs, failed, drifted, noop, changed, unchanged)
    SELECT strftime('%Y-%m-%d', started_at / 1000, 'unixepoch'), COUNT(*),
      SUM(run_status = 'failed'), SUM(run_status = 'drifted'), SUM(run_status = 'noop-pending'),
      SUM(run_status = 'changed'), SUM(run_status = 'unchanged')
    FROM reports GROUP BY 1;
  `);
  const insertFact = db.prepare("INSERT INTO node_facts (certname, path, value) VALUES (?, ?, ?)");
  for (const n of db.prepare("SELECT certname, facts FROM nodes WHERE facts IS NOT NULL").all() as { certname: string; facts: string }[]) {
    for (const [path, value] of flattenFacts(JSON.parse(n.facts))) insertFact.run(n.certname, path, value);
  }
}

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
      m.data?.(db);
      record.run(m.version, m.name, Date.now());
      ran.push(m.version);
    }).immediate();
  }
  return ran;
}
