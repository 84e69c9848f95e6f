// Every problem of a site is reported at once, across files, not just the
// first; a resource with a wrong property still takes part in the graph checks.
import t from "tap";
import { compileFiles, problemLines } from "./_helpers.js";

t.test("problems from ancla.yaml, nodes.yaml, data, several modules and the graph come together", async (t) => {
  const files = {
    "ancla.yaml": "hierarchy: [common.yaml]\nextra: 1\n",
    "nodes.yaml": `nodes:
  - match: "*"
    modules: [base, broken, web, ghost, dup]
    params: { web: { port: eighty } }
`,
    data: { "common.yaml": "web.nope: 1\n" },
    modules: {
      base: {
        "module.yaml": `resources:
  - type: file
    title: /srv/a
    mode: 0644
    require: [file:/srv/missing]
  - type: user
    title: deploy
    require: [file:/srv/a]
  - type: file
    title: /srv/\${facts.fqdn}
    source: files/../../x
`,
      },
      dup: { "module.yaml": "resources:\n  - type: file\n    title: /srv/a\n    colour: blue\n" },
      broken: { "module.yaml": "resources:\n  - type: file\n    title: [\n" },
      web: {
        "module.yaml": `params:
  port: { type: int }
resources: []
`,
      },
    },
  };
  t.same(problemLines(await compileFiles(t, files)), [
    "ancla.yaml:2:1: for node web-01: unknown key `extra` (expected one of: hierarchy, environments, strategies, analysis, slos, probes)",
    "nodes.yaml:3:34: for node web-01: module ghost not found: modules/ghost/module.yaml does not exist",
    'nodes.yaml:4:28: for node web-01: parameter web.port must be an int, not the string "eighty"',
    'modules/base/module.yaml:4:5: for node web-01: `mode` must be an octal string like "0644", not the number 644; quote it, e.g. "0644"',
    "modules/base/module.yaml:5:15: for node web-01: require: file:/srv/missing is not declared for this node",
    "modules/base/module.yaml:10:17: for node web-01: `${facts.fqdn}`: field not found: fqdn",
    'modules/base/module.yaml:11:13: for node web-01: `source` must be a path inside the module\'s files/ directory, like files/motd, not "files/../../x"',
    "modules/broken/module.yaml:4:1: for node web-01: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]",
    "data/common.yaml:1:1: for node web-01: module web has no parameter `nope` (it has: port)",
    "modules/dup/module.yaml:3:12: for node web-01: duplicate resource file:/srv/a; first declared at modules/base/module.yaml:3:12",
    "modules/dup/module.yaml:4:5: for node web-01: file has no property `colour` (it takes ensure, content, content_sha256, mode, owner, group, target, purge)",
  ]);
});
