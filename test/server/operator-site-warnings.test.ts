// Warnings from `ancla site validate` and `ancla catalog compile` (real
// processes, the built dist/): an exec that runs on every agent run is worth a
// look, never a failure, so the exit stays 0 when there is nothing else.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import { cli } from "../helpers/processes.js";
import { tempDir } from "./_helpers.js";

const WARNING = "warning: for node web-01: exec:apt-update: this exec runs on every agent run: it has no `creates`, `unless`, `onlyif` or `refreshonly`";

t.test("an unguarded exec is a warning with its position; the exit stays 0", async (t) => {
  const scratch = tempDir(t);
  const env = { ANCLA_URL: "", ANCLA_TOKEN: "", ANCLA_CA_FILE: "", TMPDIR: scratch };
  const site = join(scratch, "site");
  mkdirSync(join(site, "modules/base"), { recursive: true });
  writeFileSync(join(site, "nodes.yaml"), 'nodes:\n  - match: "*"\n    modules: [base]\n');
  writeFileSync(
    join(site, "modules/base/module.yaml"),
    "resources:\n  - type: exec\n    title: apt-update\n    command: apt-get update\n  - type: exec\n    title: once\n    creates: /var/lib/once\n",
  );

  const validate = await cli("ancla", ["site", "validate", site, "--node", "web-01", "--data-dir", join(scratch, "no-server")], { env });
  t.equal(validate.code, 0, validate.stdout + validate.stderr);
  t.equal(validate.stdout, `web-01: ok, 2 resources, 1 warning\n${site}/modules/base/module.yaml:3:12: ${WARNING}\n1 node: the site compiles for every one (1 warning)\n`);
  const json = await cli("ancla", ["site", "validate", site, "--node", "web-01", "--data-dir", join(scratch, "no-server"), "--json"], { env });
  const nodes = (JSON.parse(json.stdout) as { nodes: { problems: unknown[]; warnings: { line: number; column: number }[] }[] }).nodes;
  t.same(
    nodes.map((n) => [n.problems.length, n.warnings.map((w) => `${w.line}:${w.column}`)]),
    [[0, ["3:12"]]],
  );

  const compile = await cli("ancla", ["catalog", "compile", "--site", site, "--node", "web-01"], { env });
  t.equal(compile.code, 0, compile.stderr);
  t.match(compile.stdout, /^catalog for web-01: 2 resources/);
  t.match(compile.stderr, `${site}/modules/base/module.yaml:3:12: ${WARNING}\n`);

  // With a problem as well: both are counted, and the problem decides the exit.
  writeFileSync(join(site, "modules/base/module.yaml"), "resources:\n  - type: exec\n    title: apt-update\n    command: apt-get update\n    require: file:/nowhere\n");
  const broken = await cli("ancla", ["site", "validate", site, "--node", "web-01", "--data-dir", join(scratch, "no-server")], { env });
  t.equal(broken.code, 1);
  t.match(broken.stdout, /^web-01: 1 problem, 1 warning\n/);
  t.match(broken.stdout, /\n1 node: 1 with problems \(1 problem, 1 warning\)\n$/);
});
