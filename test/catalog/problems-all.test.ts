// Every problem of a site is reported at once, across files, not just the first.
import t from "tap";
import { compileFiles, problemLines } from "./_helpers.js";

t.test("problems from nodes.yaml, several modules and the graph come together", async (t) => {
  const files = {
    "nodes.yaml": `nodes:
  - match: "*"
    modules: [base, broken, web, ghost]
    when: "true"
`,
    modules: {
      base: {
        "module.yaml": `resources:
  - type: file
    title: /srv/a
    mode: 0644
    require: [file:/srv/missing]
  - type: user
    title: deploy
  - type: file
    title: /srv/\${facts.fqdn}
    source: files/../../x
`,
      },
      broken: { "module.yaml": "resources:\n  - type: file\n    title: [\n" },
      web: {
        "module.yaml": `resources:
  - type: file
    title: /srv/a
    colour: blue
`,
      },
    },
  };
  t.same(problemLines(await compileFiles(t, files)), [
    "nodes.yaml:3:34: module ghost not found: modules/ghost/module.yaml does not exist",
    "nodes.yaml:4:5: `when` is not supported yet by this compiler",
    'modules/base/module.yaml:4:11: `mode` 0644 is read by YAML as a number; quote it: mode: "0644"',
    "modules/base/module.yaml:5:15: require: file:/srv/missing is not declared for this node",
    "modules/base/module.yaml:6:11: resource type user is not supported yet by this compiler (supported: file)",
    "modules/base/module.yaml:9:17: `${facts.fqdn}`: only ${node.name} is supported by this compiler",
    "modules/base/module.yaml:10:13: `source` must be a path inside the module's files/ directory, like files/motd, not \"files/../../x\"",
    "modules/broken/module.yaml:4:1: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]",
    "modules/web/module.yaml:3:12: duplicate resource file:/srv/a; first declared at modules/base/module.yaml:3:12",
    "modules/web/module.yaml:4:5: unknown key `colour` (expected one of: type, title, ensure, content, source, mode, owner, group, require, notify)",
  ]);
});
