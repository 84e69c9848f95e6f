import BetterSqlite3 from "better-sqlite3";
import t from "tap";
import { driftHistory, listNodes } from "../../server/status.js";
import { migrate, migrations, openStore } from "../../server/store/index.js";
import { report, tempDir } from "./_helpers.js";
import { join } from "node:path";

t.test("migrations apply once; reopening applies nothing and keeps the data", async (t) => {
  const file = join(tempDir(t), "ancla.db");
  const first = openStore(file);
  await first.nodes.recordCheckin("web-01", { os: { family: "debian" } }, new Date("2026-01-01T00:00:00Z"));
  await first.close();

  const second = openStore(file);
  t.teardown(() => second.close());
  t.equal((await second.nodes.getNode("web-01"))?.certname, "web-01", "data survives a reopen");

  const db = new BetterSqlite3(file);
  t.teardown(() => db.close());
  const versions = db.prepare("SELECT version FROM schema_migrations ORDER BY version").all() as { version: number }[];
  t.same(
    versions.map((v) => v.version),
    migrations.map((m) => m.version),
    "each migration recorded exactly once",
  );
  t.same(migrate(db), [], "running the migrations again applies nothing");
});

t.test("a migration that fails leaves no trace, and the next open retries it", async (t) => {
  const db = new BetterSqlite3(join(tempDir(t), "broken.db"));
  t.teardown(() => db.close());
  const broken = [...migrations, { version: 999, name: "broken", sql: "CREATE TABLE half (x INTEGER); THIS IS NOT SQL;" }];
  t.throws(() => migrate(db, broken));
  const half = db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get();
  t.equal(half, undefined, "the failed migration's first statement was rolled back");
  const recorded = db.prepare("SELECT version FROM schema_migrations").all() as { version: number }[];
  t.same(
    recorded.map((r) => r.version),
    migrations.map((m) => m.version),
    "earlier migrations stay applied, the broken one is not recorded",
  );
});

t.test("the database runs in WAL mode", async (t) => {
  const file = join(tempDir(t), "ancla.db");
  await openStore(file).close();
  const db = new BetterSqlite3(file);
  t.teardown(() => db.close());
  t.equal(db.pragma("journal_mode", { simple: true }), "wal");
});

t.test("version 2 fills summaries, run statuses, diffs, daily rollups and fact rows from a version-1 database", async (t) => {
  const file = join(tempDir(t), "v1.db");
  const v1 = new BetterSqlite3(file);
  migrate(
    v1,
    migrations.filter((m) => m.version === 1),
  );
  const at = (iso: string) => Date.parse(iso);
  v1.prepare("INSERT INTO nodes (certname, first_checkin_at, last_checkin_at, facts, facts_updated_at) VALUES (?, ?, ?, ?, ?)").run(
    "web-01",
    at("2026-03-01T00:00:00Z"),
    at("2026-03-01T00:00:00Z"),
    JSON.stringify({ os: { family: "debian" } }),
    at("2026-03-01T00:00:00Z"),
  );
  const insertReport = v1.prepare(
    `INSERT INTO reports (run_id, certname, status, noop, catalog_digest, site_version, started_at, received_at, duration_ms, counts, report)
     VALUES (?, 'web-01', ?, 0, 'd', 'v1', ?, ?, 5, ?, ?)`,
  );
  const insertEvent = v1.prepare(`INSERT INTO events (report_id, resource, property, desired, actual, result, corrective, message) VALUES (?, ?, 'content', '', '', ?, ?, '')`);
  const counts = JSON.stringify({ total: 1, changed: 1, failed: 0, skipped: 0, corrective: 1 });
  const newer = {
    runId: "new",
    events: [
      { resource: "file:/a", result: "changed" },
      { resource: "file:/b", result: "changed", corrective: true, diff: "-x\n+y\n" },
    ],
  };
  const older = insertReport.run("old", "failed", at("2026-03-01T08:00:00Z"), at("2026-03-01T08:00:01Z"), counts, JSON.stringify({ runId: "old" })).lastInsertRowid;
  insertEvent.run(older, "service:x", "failed", 0);
  const latest = insertReport.run("new", "changed", at("2026-03-02T08:00:00Z"), at("2026-03-02T08:00:01Z"), counts, JSON.stringify(newer)).lastInsertRowid;
  insertEvent.run(latest, "file:/a", "changed", 0);
  insertEvent.run(latest, "file:/b", "changed", 1);
  v1.prepare("INSERT INTO nodes (certname, first_checkin_at, last_checkin_at) VALUES ('db-01', ?, ?)").run(at("2026-03-02T07:00:00Z"), at("2026-03-02T07:00:00Z"));
  v1.prepare("INSERT INTO compile_failures (certname, site_version, problems, at) VALUES ('db-01', 'v2', '[]', ?)").run(at("2026-03-02T07:00:00Z"));
  v1.prepare("INSERT INTO nodes (certname, first_checkin_at, last_checkin_at) VALUES ('new-01', ?, ?)").run(at("2026-03-02T08:30:00Z"), at("2026-03-02T08:30:00Z"));
  v1.close();

  const store = openStore(file);
  t.teardown(() => store.close());
  const now = new Date("2026-03-02T09:00:00Z");
  const [db, fresh, node] = (await listNodes(store, { now })).nodes;
  t.match(node, { certname: "web-01", status: "drifted", lastRunId: "new", corrective: true });
  t.match(db, { certname: "db-01", status: "compile-failed" }, "compile failures carried over");
  t.match(fresh, { certname: "new-01", status: "unreported" }, "a node without reports");
  t.same((await listNodes(store, { now, fact: { path: "os.family", value: "debian" } })).total, 1, "facts indexed");
  t.same(
    (await store.reports.reportEvents("new", { limit: 10, offset: 0 })).events.map((e) => e.diff),
    ["", "-x\n+y\n"],
    "diffs copied from the report",
  );
  t.same(
    (await store.reports.listReports({ changesOnly: true, limit: 10 })).reports.map((r) => r.runId),
    ["new"],
    "report flags filled",
  );
  t.same(
    (await driftHistory(store, { days: 2, now })).map((d) => [d.day, d.runs, d.failed, d.drifted]),
    [
      ["2026-03-01", 1, 1, 0],
      ["2026-03-02", 1, 0, 1],
    ],
    "rollups from the stored runs",
  );
});

t.test("version 5 keeps every report and event, keys run ids per node and orders runs by receive time", async (t) => {
  const file = join(tempDir(t), "v4.db");
  const v4 = new BetterSqlite3(file);
  v4.pragma("foreign_keys = ON");
  migrate(
    v4,
    migrations.filter((m) => m.version < 5),
  );
  const at = (iso: string) => Date.parse(iso);
  v4.prepare("INSERT INTO nodes (certname, first_checkin_at, last_checkin_at) VALUES ('web-01', ?, ?)").run(at("2026-03-01T00:00:00Z"), at("2026-03-01T00:00:00Z"));
  v4.prepare("INSERT INTO node_summaries (certname, first_checkin_at) VALUES ('web-01', ?)").run(at("2026-03-01T00:00:00Z"));
  const insertReport = v4.prepare(
    `INSERT INTO reports (run_id, certname, status, noop, catalog_digest, site_version, started_at, received_at, duration_ms, counts, report, run_status, has_changes)
     VALUES (?, 'web-01', 'changed', 0, 'd', 'v1', ?, ?, 5, '{"total":1,"changed":1,"failed":0,"skipped":0,"corrective":0}', ?, 'changed', 1)`,
  );
  const insertEvent = v4.prepare(
    `INSERT INTO events (report_id, resource, property, desired, actual, result, corrective, message, diff) VALUES (?, 'file:/a', 'content', '', '', 'changed', 0, '', ?)`,
  );
  // "ahead" started two days in the future (a wrong agent clock) but was received first.
  const ahead = insertReport.run("ahead", at("2026-03-04T08:00:00Z"), at("2026-03-02T08:00:00Z"), JSON.stringify({ runId: "ahead", certname: "web-01" })).lastInsertRowid;
  insertEvent.run(ahead, "-a\n+b\n");
  const fixed = insertReport.run("fixed", at("2026-03-02T09:00:00Z"), at("2026-03-02T09:00:01Z"), JSON.stringify({ runId: "fixed", certname: "web-01" })).lastInsertRowid;
  insertEvent.run(fixed, "");
  v4.prepare("UPDATE node_summaries SET report_id = ?, started_at = ?, received_at = ?, run_status = 'changed'").run(ahead, at("2026-03-04T08:00:00Z"), at("2026-03-02T08:00:00Z"));
  v4.close();

  const store = openStore(file);
  t.teardown(() => store.close());
  t.equal((await store.reports.latestReport("web-01"))?.runId, "fixed", "the summary now points at the run received last");
  t.same(
    (await store.reports.reportEvents("ahead", { limit: 10, offset: 0 })).events.map((e) => e.diff),
    ["-a\n+b\n"],
    "events kept with their report",
  );
  t.same(
    (await store.reports.listReports({ limit: 10 })).reports.map((r) => r.runId),
    ["fixed", "ahead"],
  );
  t.equal(await store.reports.saveReport(report({ runId: "fixed", certname: "db-01" }), new Date()), true, "another node may reuse a run id");
  t.equal(await store.reports.saveReport(report({ runId: "fixed", certname: "web-01" }), new Date()), false, "the same node's run id stays idempotent");
  t.equal(await store.reports.pruneReports(new Date("2026-03-03T00:00:00Z"), 10), 1, "retention (by receive time) still cascades to events");
  t.same((await store.reports.reportEvents("ahead", { limit: 10, offset: 0 })).total, 0);
});
