// ancla-server start: retention and silence settings from flags or server.json,
// checked before anything listens.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import { initDataDir } from "../../server/cli/init.js";
import { startServer } from "../../server/cli/start.js";
import { dataDirPaths } from "../../server/datadir.js";
import { cli } from "../helpers/processes.js";
import { tempDir } from "./_helpers.js";

t.test("bad values are refused before the server starts", async (t) => {
  const dataDir = join(tempDir(t), "server");
  await initDataDir({ dataDir, hostname: "localhost" });
  for (const flag of [
    ["--report-retention-days", "1.5"],
    ["--report-retention-days", "a week"],
    ["--unresponsive-after", "0"],
  ]) {
    const res = await cli("server", ["start", "--data-dir", dataDir, "--grpc", "127.0.0.1:0", "--http", "127.0.0.1:0", ...flag]);
    t.equal(res.code, 64, flag.join(" "));
    t.match(res.stderr, new RegExp(`^error: ANCLA_E_USAGE: ${flag[0]} `), flag.join(" "));
  }
  const settingsFile = dataDirPaths(dataDir).settings;
  const settings = JSON.parse(readFileSync(settingsFile, "utf8")) as Record<string, unknown>;
  writeFileSync(settingsFile, JSON.stringify({ ...settings, reportRetentionDays: "thirty" }));
  await t.rejects(startServer({ dataDir, grpc: "127.0.0.1:0", http: "127.0.0.1:0" }), {
    code: "ANCLA_E_CONFIG",
    message: /server\.json:\d+:\d+: reportRetentionDays must be a whole number, got "thirty"/,
  });
});

t.test("server.json: a misspelt key or a missing one is refused, naming the file and the key", async (t) => {
  const dataDir = join(tempDir(t), "server");
  await initDataDir({ dataDir, hostname: "localhost" });
  const settingsFile = dataDirPaths(dataDir).settings;
  const { site, hostname, grpc, http, catalogTtlSeconds, agentCertDays } = JSON.parse(readFileSync(settingsFile, "utf8")) as Record<string, unknown>;
  const start = () => startServer({ dataDir, grpc: "127.0.0.1:0", http: "127.0.0.1:0" });
  // The misspelt key was ignored: the server kept reports 30 days, not the 7 asked for.
  writeFileSync(settingsFile, JSON.stringify({ site, hostname, grpc, http, catalogTtlSeconds, agentCertDays, reportRetentionDay: 7 }, null, 2));
  await t.rejects(start(), {
    code: "ANCLA_E_CONFIG",
    message: `${settingsFile}:8:3: unknown setting "reportRetentionDay" (known: site, hostname, grpc, http, catalogTtlSeconds, agentCertDays, reportRetentionDays, unresponsiveAfterMinutes)`,
  });
  writeFileSync(settingsFile, JSON.stringify({ hostname, grpc, http, catalogTtlSeconds, agentCertDays }));
  await t.rejects(start(), { code: "ANCLA_E_CONFIG", message: `${settingsFile}: site must be set` });
});
