// The limits are settings (README "Limits"): server.yaml names them in
// snake_case (idle_timeout_seconds in seconds), a wrong value is an error
// naming the file and the key, and a start with a zero limit is refused.
import t from "tap";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { initDataDir } from "../../server/cli/init.js";
import { LIMIT_SETTINGS, readServerConfig, SERVICE_SETTINGS } from "../../server/cli/config.js";
import { ROOT } from "../helpers/processes.js";
import { startServer } from "../../server/cli/start.js";
import { tempDir } from "./_helpers.js";

t.test("server.yaml's limit settings become the server's limits", async (t) => {
  const file = join(tempDir(t), "server.yaml");
  writeFileSync(file, "max_facts: 500\nmax_report_events: 900\nmax_artifact_bytes: 1048576\nidle_timeout_seconds: 30\nmax_connections_per_address: 8\npublic_address: ancla.example.org:9443\n");
  t.same(readServerConfig(file), {
    publicAddress: "ancla.example.org:9443",
    limits: { maxFacts: 500, maxReportEvents: 900, maxArtifactBytes: 1048576, idleTimeoutMs: 30_000, maxConnectionsPerAddress: 8 },
  });
  writeFileSync(file, "max_facts: lots\n");
  t.throws(() => readServerConfig(file), { code: "ANCLA_E_CONFIG", message: `${file}:1:12: max_facts must be a whole number, got "lots"` });
  writeFileSync(file, "max_facts: 0\n");
  // It was refused only at start, as "limit maxFacts", a name the file does not use.
  t.throws(() => readServerConfig(file), { code: "ANCLA_E_CONFIG", message: `${file}:1:12: max_facts must be a whole number from 1, got 0` }, "a zero limit is refused at its key");
});

t.test("the README's Limits table names every limit setting, and its server.yaml list every other one", async (t) => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const limitsSection = readme.slice(readme.indexOf("### Limits"), readme.indexOf("\n## ", readme.indexOf("### Limits")));
  const tableKeys = [...limitsSection.matchAll(/^\| `(\w+)`/gm)].map((m) => m[1]);
  t.same(tableKeys.sort(), Object.keys(LIMIT_SETTINGS).sort());
  const serverSection = readme.slice(readme.indexOf("### Server from the .deb"), readme.indexOf("### Server from source"));
  for (const key of Object.keys(SERVICE_SETTINGS)) t.ok(serverSection.includes(`\`${key}\``), `${key} is in "Server from the .deb"`);
});

t.test("a zero limit or a malformed public_address stops the start before anything listens", async (t) => {
  const dir = tempDir(t);
  await initDataDir({ dataDir: dir, hostname: "localhost" });
  const start = (extra: object) => startServer({ dataDir: dir, grpc: "127.0.0.1:0", http: "127.0.0.1:0", ...extra });
  await t.rejects(start({ limits: { maxFacts: 0 } }), { code: "ANCLA_E_CONFIG", message: "limit maxFacts must be a whole number from 1, got 0" });
  await t.rejects(start({ publicAddress: "no-port" }), { code: "ANCLA_E_USAGE", message: /public_address no-port: expected HOST:PORT/ });
});
