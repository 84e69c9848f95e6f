// nodes.yaml `environment:`: the last matching rule that names one places
// the node in it; a node no rule places is in production. A rule may only
// place nodes, without modules. A name that cannot be an environment (it is
// used in commands, URLs and metric labels) is a problem at its position.
import t from "tap";
import type { CompileResult } from "../../catalog/compile-seam.js";
import { compileFiles, problemLines } from "./_helpers.js";

const base = { "module.yaml": "resources:\n  - type: file\n    title: /srv/base\n    ensure: directory\n" };

const files = {
  "nodes.yaml": `nodes:
  - match: "*"
    modules: [base]
  - match: "stage-*"
    environment: staging
  - match: "stage-9"
    when: 'facts.lab == true'
    environment: lab
`,
  modules: { base },
};

const environmentOf = (r: CompileResult): string | undefined => (r.ok ? r.environment : undefined);

t.test("the last matching rule with an environment names it; production otherwise", async (t) => {
  t.equal(environmentOf(await compileFiles(t, files, "web-01")), "production");
  t.equal(environmentOf(await compileFiles(t, files, "stage-1")), "staging", "a rule with only an environment");
  t.equal(environmentOf(await compileFiles(t, files, "stage-9", { lab: true })), "lab", "a later rule wins, its `when` holding");
  t.equal(environmentOf(await compileFiles(t, files, "stage-9", { lab: false })), "staging");
  const result = await compileFiles(t, files, "stage-1");
  t.same(result.ok && result.body.resources.map((r) => r.title), ["/srv/base"], "the environment-only rule adds no modules");
});

t.test("a name that is no environment, or a rule with neither modules nor environment, is a problem where it is", async (t) => {
  const bad = {
    "nodes.yaml": `nodes:
  - match: "*"
    modules: [base]
    environment: Prod_1
  - match: "db-*"
    environment: 3
  - match: "x-*"
`,
    modules: { base },
  };
  t.same(problemLines(await compileFiles(t, bad, "web-01")), [
    'nodes.yaml:4:18: for node web-01: "Prod_1" is not a valid environment name (lowercase letters, digits and -, at most 63)',
    "nodes.yaml:6:18: for node web-01: `environment` must be a string, not the number 3",
    "nodes.yaml:7:5: for node web-01: a rule needs `modules:` (a list of module names) or an `environment:`",
  ]);
});
