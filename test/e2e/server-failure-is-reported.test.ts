// A server that fails itself (here: its database refuses writes, as on a full
// disk) says so: the agent reports "the server failed: ANCLA_E_INTERNAL", not
// "unreachable", and still converges from its cache; the server logs each
// failure at error with its cause and counts it in /metrics, gRPC and HTTP alike.
import t from "tap";
import BetterSqlite3 from "better-sqlite3";
import { readFileSync } from "node:fs";
import { get } from "node:https";
import { dataDirPaths } from "../../server/datadir.js";
import { fleetWithAgent, parseReport } from "../helpers/fleet.js";

/** Makes every write to `table` fail the way SQLite fails on a full disk. */
function failWrites(database: string, table: string): void {
  const db = new BetterSqlite3(database);
  try {
    for (const op of ["INSERT", "UPDATE"]) {
      db.exec(`CREATE TRIGGER test_full_${table}_${op} BEFORE ${op} ON ${table} BEGIN SELECT RAISE(ABORT, 'database or disk is full (test)'); END`);
    }
  } finally {
    db.close();
  }
}

/** GET /metrics as the admin, the way Prometheus scrapes it. */
function scrape(url: string, dataDir: string): Promise<string> {
  const paths = dataDirPaths(dataDir);
  const options = { ca: readFileSync(paths.caCert), servername: "localhost", headers: { authorization: `Bearer ${readFileSync(paths.adminToken, "utf8").trim()}` } };
  return new Promise((resolve, reject) => {
    get(new URL("/metrics", url), options, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () => resolve(text));
    }).on("error", reject);
  });
}

/** The server's JSON log lines at error (pino level 50). */
function errorLines(logs: string): { msg: string; rpc?: string; err?: { message: string } }[] {
  return logs
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { level: number; msg: string })
    .filter((l) => l.level >= 50);
}

t.test("an internal server error is logged, counted and reported as such", async (t) => {
  const { fleet, agent } = await fleetWithAgent(t);
  const database = dataDirPaths(fleet.dataDir).database;

  failWrites(database, "nodes");
  const run = await agent.run();
  const report = parseReport(run.stdout);
  t.equal(report.catalogSource, "cache", "the agent still converges from its cache");
  const problem = (report.logs ?? []).find((l) => l.code === "ANCLA_E_INTERNAL");
  t.match(problem?.message, /^ANCLA_E_INTERNAL: the server failed: localhost:\d+: the server failed to handle the request; see its log$/);
  t.notOk(
    (report.logs ?? []).some((l) => l.code === "ANCLA_E_SERVER_UNREACHABLE"),
    "not reported as unreachable",
  );

  failWrites(database, "tokens");
  const token = await fleet.ancla(["token", "create", "--ttl", "1h"]);
  t.not(token.code, 0);
  t.match(token.stderr, /ANCLA_E_INTERNAL/);

  const logged = errorLines(fleet.server.logs());
  t.ok(
    logged.some((l) => l.rpc === "AgentService/GetCatalog" && /disk is full/.test(l.err?.message ?? "")),
    "the gRPC failure is logged with its cause",
  );
  t.ok(
    logged.some((l) => /disk is full/.test(l.err?.message ?? "") && l.rpc === undefined),
    "the API failure is logged with its cause",
  );

  const metrics = await scrape(fleet.server.url, fleet.dataDir);
  t.match(metrics, /ancla_internal_errors_total\{api="grpc",call="AgentService\/GetCatalog"\} 1\n/);
  t.match(metrics, /ancla_internal_errors_total\{api="http",call="POST \/api\/v1\/tokens"\} 1\n/);
});
