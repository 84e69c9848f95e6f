// A queued report leaves the queue only once the server has acknowledged it:
// a server that receives ReportRun and then fails it (here its database
// refuses the report, as on a full disk) must leave the report queued, and
// the next run delivers it. Removing the report before the acknowledgement
// would lose it, and this test would fail.
import t from "tap";
import BetterSqlite3 from "better-sqlite3";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { dataDirPaths } from "../../server/datadir.js";
import { fleetWithAgent, parseReport } from "../helpers/fleet.js";

/** Runs `sql` on the server's database beside the running server (WAL: both may write). */
function onDatabase(database: string, sql: string): void {
  const db = new BetterSqlite3(database);
  try {
    db.exec(sql);
  } finally {
    db.close();
  }
}

t.test("a report the server received but failed to store stays queued and is delivered by the next run", async (t) => {
  const { base, fleet, agent } = await fleetWithAgent(t);
  const queue = join(agent.stateDir, "reports");
  const database = dataDirPaths(fleet.dataDir).database;

  onDatabase(database, "CREATE TRIGGER test_refuse_reports BEFORE INSERT ON reports BEGIN SELECT RAISE(ABORT, 'database or disk is full (test)'); END");
  writeFileSync(join(base, "managed/web-01/f001.conf"), "drift\n");
  const repaired = await agent.run();
  t.equal(repaired.code, 2, `the drift is repaired (stderr: ${repaired.stderr})`);
  const runId = parseReport(repaired.stdout).runId;
  t.same(
    readdirSync(queue).filter((n) => n.endsWith(".json")),
    [`${runId}.json`],
    "the report the server failed to store is still queued",
  );
  const shown = await fleet.ancla(["report", "show", "web-01", "--run", runId, "--json"]);
  t.not(shown.code, 0, "the server does not have it");

  onDatabase(database, "DROP TRIGGER test_refuse_reports");
  const next = await agent.run();
  t.equal(next.code, 0, `nothing to change (stderr: ${next.stderr})`);
  t.same(
    readdirSync(queue).filter((n) => n.endsWith(".json")),
    [],
    "the queue is delivered",
  );
  const delivered = await fleet.ancla(["report", "show", "web-01", "--run", runId, "--json"]);
  t.equal(delivered.code, 0, delivered.stderr);
  t.equal(parseReport(delivered.stdout).runId, runId, "the repair's report reached the server one run later");
});
