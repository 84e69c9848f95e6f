// A site writes a database password into a 0600 file on a real agent over
// mTLS. The plaintext is then searched for everywhere it must not be: the
// server's data dir (SQLite file and WAL), both agents' state dirs (catalog
// cache, drift memory, queued reports), the agents' output (reports, events,
// logs), the server's log, API answers, metrics and dashboard pages in
// Chromium. It is in the managed file only. A node out of the secret's scope
// never gets it; a rotation changes the file as intent and retires the old
// version once no catalog holds it; a secret not set yet
// fails only the resource that uses it, until it is set.
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { get } from "node:https";
import { join } from "node:path";
import t from "tap";
import { dataDirPaths } from "../../server/datadir.js";
import { browserMissing, logIn, openBrowser } from "../helpers/browser.js";
import { enroll, parseReport, startFleet } from "../helpers/fleet.js";
import { filesBelow, whereIs } from "../helpers/plaintext.js";
import { workDir } from "../helpers/processes.js";

const FIRST = "pg-Pa55-first-2b7f1c";
const SECOND = "pg-Pa55-second-93d0aa";
const API_KEY = "api-key-5e1d77f0";

/** GET a path of the server's HTTPS side as the admin (API answers, /metrics). */
function fetchAsAdmin(url: string, dataDir: string, path: string): Promise<string> {
  const paths = dataDirPaths(dataDir);
  const options = { ca: readFileSync(paths.caCert), servername: "localhost", headers: { authorization: `Bearer ${readFileSync(paths.adminToken, "utf8").trim()}` } };
  return new Promise((resolve, reject) => {
    get(new URL(path, url), options, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`GET ${path}: ${res.statusCode} ${text}`))));
    }).on("error", reject);
  });
}

t.test("a secret reaches the file of the node in its scope, and nothing else anywhere", async (t) => {
  const base = workDir(t, { site: { modules: { db: { templates: {} } } }, managed: {} });
  const site = join(base, "site");
  const managed = join(base, "managed");
  writeFileSync(join(site, "nodes.yaml"), 'nodes:\n  - match: "*"\n    modules: [db]\n');
  writeFileSync(
    join(site, "modules/db/module.yaml"),
    `resources:\n` +
      `  - type: file\n    title: "${managed}/\${node.name}"\n    ensure: directory\n` +
      `  - type: file\n    title: "${managed}/\${node.name}/db.conf"\n    mode: "0600"\n    content: |\n      user=orders\n      password=\${secret("db-password")}\n` +
      `  - type: file\n    title: "${managed}/\${node.name}/api.conf"\n    mode: "0600"\n    template: api.liquid\n` +
      `  - type: file\n    title: "${managed}/\${node.name}/api.ready"\n    content: "ok\\n"\n    require: "file:${managed}/\${node.name}/api.conf"\n`,
  );
  writeFileSync(join(site, "modules/db/templates/api.liquid"), 'key={{ "api-key" | secret }}\nnode={{ node.name }}\n');
  const fleet = await startFleet(base, site);
  t.teardown(() => fleet.stop());
  const set = await fleet.ancla(["secret", "set", "db-password", "--nodes", "web-*"], `${FIRST}\n`);
  t.equal(set.code, 0, set.stderr);
  const web = await enroll(fleet, base, "web-01");
  const batch = await enroll(fleet, base, "batch-01");
  const outputs: Record<string, string> = {};
  const run = async (agent: typeof web, label: string) => {
    const r = await agent.run();
    outputs[`${label} stdout`] = r.stdout;
    outputs[`${label} stderr`] = r.stderr;
    return r;
  };

  // api-key is not set yet: only api.conf fails, and api.ready (which requires it) is skipped.
  const first = await run(web, "web-01 run 1");
  t.equal(first.code, 6, `changes and failures (stderr: ${first.stderr})`);
  t.equal(readFileSync(join(managed, "web-01/db.conf"), "utf8"), `user=orders\npassword=${FIRST}\n`);
  t.equal(statSync(join(managed, "web-01/db.conf")).mode & 0o777, 0o600);
  const report1 = parseReport(first.stdout);
  t.match(report1.events, [
    { resource: `file:${managed}/web-01`, result: "changed" },
    { resource: `file:${managed}/web-01/db.conf`, property: "ensure", desired: "[redacted]", result: "changed" },
    { resource: `file:${managed}/web-01/api.conf`, result: "failed" },
    { resource: `file:${managed}/web-01/api.ready`, result: "skipped" },
  ]);
  t.ok(
    report1.logs?.some((l) => l.code === "ANCLA_E_SECRET_MISSING" && /secret "api-key" does not exist/.test(l.message)),
    "the missing secret is named",
  );

  const outside = await run(batch, "batch-01 run");
  t.not(outside.code, 0, "batch-01, outside web-*, gets no catalog");
  t.match(parseReport(outside.stdout).logs?.[0].message, /module\.yaml:10:16: for node batch-01: secret "db-password" is for nodes web-\*; batch-01 is not one of them/);
  t.throws(() => statSync(join(managed, "batch-01")), "nothing was written for batch-01");

  t.equal((await fleet.ancla(["secret", "set", "api-key"], API_KEY)).code, 0);
  const second = await run(web, "web-01 run 2");
  t.equal(second.code, 2, second.stderr);
  t.equal(readFileSync(join(managed, "web-01/api.conf"), "utf8"), `key=${API_KEY}\nnode=web-01\n`);
  t.equal(readFileSync(join(managed, "web-01/api.ready"), "utf8"), "ok\n", "its dependent follows once it is set");

  t.equal((await fleet.ancla(["secret", "rotate", "db-password"], SECOND)).code, 0);
  const third = await run(web, "web-01 run 3");
  t.equal(third.code, 2, third.stderr);
  t.equal(readFileSync(join(managed, "web-01/db.conf"), "utf8"), `user=orders\npassword=${SECOND}\n`);
  t.same(
    parseReport(third.stdout).events?.map((e) => [e.resource, e.property, e.corrective ?? false]),
    [[`file:${managed}/web-01/db.conf`, "content", false]],
    "the rotation is a change of intent, of db.conf only",
  );
  // batch-01 never held it, and web-01 now holds version 2: version 1 is destroyed.
  const listed = JSON.parse((await fleet.ancla(["secret", "list", "--json"])).stdout) as { name: string; version: number; versions: number }[];
  t.same(
    listed.map((s) => [s.name, s.version, s.versions]),
    [
      ["api-key", 1, 1],
      ["db-password", 2, 1],
    ],
    "the rotated-out version is retired once no node's catalog holds it",
  );
  const fourth = await run(web, "web-01 run 4");
  t.equal(fourth.code, 0, "and then in sync");

  const audit = JSON.parse(await fetchAsAdmin(fleet.server.url, fleet.dataDir, "/api/v1/audit?limit=100")) as {
    entries: { action: string; target: string; detail: { serial?: number; secrets?: string[] } }[];
  };
  const deliveries = audit.entries.filter((e) => e.action === "secret.deliver").map((e) => [e.target, e.detail.secrets]);
  t.same(
    deliveries.reverse(),
    [
      ["web-01", ["db-password@1"]],
      ["web-01", ["api-key@1", "db-password@1"]],
      ["web-01", ["api-key@1", "db-password@2"]],
    ],
    "which node got which versions, once per catalog",
  );

  const texts: Record<string, string> = { ...outputs, "the server log": fleet.server.logs() };
  for (const path of ["/api/v1/nodes", "/api/v1/nodes/web-01", "/api/v1/nodes/web-01/catalog", "/api/v1/nodes/web-01/report", "/api/v1/reports?limit=50", "/api/v1/audit?limit=100", "/metrics"]) {
    texts[`GET ${path}`] = await fetchAsAdmin(fleet.server.url, fleet.dataDir, path);
  }
  t.match(texts["GET /api/v1/nodes/web-01/catalog"], /db\.conf/, "the catalog answer is the catalog");
  const missing = browserMissing();
  if (missing) t.comment(missing);
  else {
    const context = await openBrowser(t);
    const token = readFileSync(dataDirPaths(fleet.dataDir).adminToken, "utf8").trim();
    const page = await logIn(context, fleet.server.url, token, "/nodes/web-01");
    texts["the dashboard's node page"] = await page.content();
    t.match(texts["the dashboard's node page"], /web-01/);
    for (const path of ["/", "/audit", "/secrets", `/reports/${parseReport(third.stdout).runId}`]) {
      await page.goto(`${fleet.server.url}${path}`);
      texts[`the dashboard's ${path}`] = await page.content();
    }
    t.match(texts["the dashboard's /secrets"], /db-password/);
  }
  const files = [...filesBelow(fleet.dataDir), ...filesBelow(web.stateDir), ...filesBelow(batch.stateDir)];
  t.ok(
    files.some((f) => f.path.endsWith("ancla.db-wal") || f.path.endsWith("ancla.db")),
    "the database was searched",
  );
  t.ok(
    files.some((f) => f.path.startsWith(web.stateDir) && /catalog/.test(f.path)),
    "web-01's catalog cache was searched",
  );
  for (const plaintext of [FIRST, SECOND, API_KEY]) t.same(whereIs(plaintext, texts, files), [], `${plaintext.slice(0, 12)}… is nowhere but the managed file`);
});
