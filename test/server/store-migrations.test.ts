import BetterSqlite3 from "better-sqlite3";
import t from "tap";
import { migrate, migrations, openStore } from "../../server/store/index.js";
import { tempDir } from "./_helpers.js";
import { join } from "node:path";

t.test("migrations apply once; reopening applies nothing and keeps the data", async (t) => {
  const file = join(tempDir(t), "ancla.db");
  const first = openStore(file);
  first.recordCheckin("web-01", { os: { family: "debian" } }, new Date("2026-01-01T00:00:00Z"));
  first.close();

  const second = openStore(file);
  t.teardown(() => second.close());
  t.equal(second.getNode("web-01")?.certname, "web-01", "data survives a reopen");

  const db = new BetterSqlite3(file);
  t.teardown(() => db.close());
  const versions = db.prepare("SELECT version FROM schema_migrations ORDER BY version").all() as { version: number }[];
  t.same(versions.map((v) => v.version), migrations.map((m) => m.version), "each migration recorded exactly once");
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
  t.same(recorded.map((r) => r.version), migrations.map((m) => m.version), "earlier migrations stay applied, the broken one is not recorded");
});

t.test("the database runs in WAL mode", async (t) => {
  const file = join(tempDir(t), "ancla.db");
  openStore(file).close();
  const db = new BetterSqlite3(file);
  t.teardown(() => db.close());
  t.equal(db.pragma("journal_mode", { simple: true }), "wal");
});
