// An operator keeps a database password on a real server with the real CLI:
// the value goes in on stdin only, comes back from nowhere (list, JSON,
// audit), and is on no byte of the data dir (SQLite file and WAL included)
// nor in the server's log, through a rotation of the secret, a rotation of the
// key-encryption key and a restart.
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import { startFleet } from "../helpers/fleet.js";
import { filesBelow, whereIs } from "../helpers/plaintext.js";
import { workDir } from "../helpers/processes.js";

const FIRST = "pg-Pa55word-first-0815";
const SECOND = "pg-Pa55word-second-4242";

t.test("a secret set, rotated and re-keyed on a real server stays sealed", async (t) => {
  const base = workDir(t);
  const site = join(base, "site");
  mkdirSync(site);
  writeFileSync(join(site, "nodes.yaml"), "nodes: []\n");
  const fleet = await startFleet(base, site);
  t.teardown(() => fleet.stop());

  const set = await fleet.ancla(["secret", "set", "db-password", "--env", "production", "--description", "the orders database"], `${FIRST}\n`);
  t.equal(set.code, 0, set.stderr);
  t.match(set.stdout, /^secret db-password version 1 \(environment production\), set by token:\S+ \(initial admin\) at /);

  const onFlag = await fleet.ancla(["secret", "set", "other", "--value", FIRST]);
  t.equal(onFlag.code, 64, "a value given as a flag is a usage error");
  t.match(onFlag.stderr, /--value is refused: a value on the command line stays in shell history and ps; pipe it on stdin/);
  t.equal(onFlag.stderr.trim().split("\n").length, 1, "in one line");

  const empty = await fleet.ancla(["secret", "set", "other"], "\n");
  t.not(empty.code, 0, "an empty value is refused");
  t.match(empty.stderr, /ANCLA_E_INVALID_ARGUMENT: the value of secret "other" is empty; nothing was stored/);

  const rotated = await fleet.ancla(["secret", "rotate", "db-password"], SECOND);
  t.equal(rotated.code, 0, rotated.stderr);
  t.match(rotated.stdout, /version 2 \(environment production\)/, "the scope stays");

  const list = await fleet.ancla(["secret", "list", "--json"]);
  t.equal(list.code, 0, list.stderr);
  const listed = JSON.parse(list.stdout) as Record<string, unknown>[];
  t.same(
    listed.map((s) => [s.name, s.version, s.versions, s.environment, s.nodes, s.description]),
    [["db-password", 2, 2, "production", null, "the orders database"]],
    "names, scope and versions; the one refused stored nothing",
  );
  t.same(Object.keys(listed[0]).sort(), ["created_at", "created_by", "description", "environment", "name", "nodes", "updated_at", "updated_by", "version", "versions"], "no field holds a value");
  const table = await fleet.ancla(["secret", "list"]);
  t.match(table.stdout, /^NAME\s+VERSION\s+ENVIRONMENT\s+NODES\s+SET BY\s+SET AT\s+DESCRIPTION\ndb-password\s+2\s+production\s+-\s+/);

  const kms = await fleet.ancla(["kms", "rotate", "--json"]);
  t.equal(kms.code, 0, kms.stderr);
  t.same(JSON.parse(kms.stdout), { kek_version: 2, rewrapped: 2, retired: [1] }, "both versions re-wrapped, the old KEK destroyed");
  t.same(readdirSync(join(fleet.dataDir, "kms")), ["kek-000002.key"]);

  const firstLog = fleet.server.logs();
  await fleet.stop();
  await fleet.restart();
  const again = await fleet.ancla(["secret", "list", "--json"]);
  t.equal(again.code, 0, `the restarted server opens its secrets' keys: ${again.stderr}`);

  const log = firstLog + fleet.server.logs();
  for (const plaintext of [FIRST, SECOND]) {
    t.same(whereIs(plaintext, { "the server log": log }, filesBelow(fleet.dataDir)), [], `"${plaintext.slice(0, 12)}…" is nowhere in the data dir (ancla.db and its WAL included) or the log`);
  }
  t.ok(
    filesBelow(fleet.dataDir).some((f) => f.path.endsWith("ancla.db-wal") || f.path.endsWith("ancla.db")),
    "the database files were searched",
  );

  const removed = await fleet.ancla(["secret", "delete", "db-password"]);
  t.equal(removed.code, 0, removed.stderr);
  t.same(JSON.parse((await fleet.ancla(["secret", "list", "--json"])).stdout), []);
  const missing = await fleet.ancla(["secret", "rotate", "db-password"], "x");
  t.match(missing.stderr, /ANCLA_E_NOT_FOUND: no secret "db-password"/);
});
