// External facts: static JSON/YAML, executables printing either, name order,
// and a bad or slow file costing only its own facts.
import t from "tap";
import { chmodSync } from "node:fs";
import { join } from "node:path";
import { collectExternalFacts } from "../../agent/facts/external.js";
import { collectFacts } from "../../agent/facts/all.js";

t.test("files and executables merge under their own names, later names win", async (t) => {
  const dir = t.testdir({
    "10-site.json": '{"datacenter": "fra1", "role": "db"}',
    "20-role.yaml": "role: web\ntags: [a, b]\n",
    "30-exec": "#!/bin/sh\necho 'owner: ops'\n",
    "40-broken.json": "{not json",
    "50-fails": "#!/bin/sh\necho oops >&2; exit 3\n",
    "60-list.yaml": "- not\n- a map\n",
    "notes.txt": "ignored",
    sub: {},
  });
  chmodSync(join(dir, "30-exec"), 0o755);
  chmodSync(join(dir, "50-fails"), 0o755);
  const { facts, problems } = await collectExternalFacts(dir);
  t.same(facts, { datacenter: "fra1", role: "web", tags: ["a", "b"], owner: "ops" });
  t.equal(problems.length, 3);
  t.match(problems[0], /40-broken\.json: /);
  t.match(problems[1], /50-fails: exited with 3: oops/);
  t.match(problems[2], /60-list\.yaml: facts must be a mapping/);
});

t.test("an executable that hangs is stopped at its timeout", async (t) => {
  const dir = t.testdir({ slow: "#!/bin/sh\nsleep 30\n" });
  chmodSync(join(dir, "slow"), 0o755);
  const started = Date.now();
  const { problems } = await collectExternalFacts(dir, 300);
  t.ok(Date.now() - started < 3000);
  t.match(problems[0], /took longer than 300 ms; stopped/);
});

t.test("a missing directory is no facts, no problem; external facts override core ones", async (t) => {
  t.same(await collectExternalFacts(join(t.testdir({}), "nope")), { facts: {}, problems: [] });
  const dir = t.testdir({ "virtual.yaml": "virtual: physical-by-decree\n" });
  const { facts } = await collectFacts(dir);
  t.equal(facts.virtual, "physical-by-decree");
  t.type(facts.os, "object");
});
