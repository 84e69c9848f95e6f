// CEL problems: a parse error at the spot in the expression, an evaluation
// error at the `${` (or the `when:` value), a value of the wrong kind.
import t from "tap";
import { compileFiles, problemLines, site } from "./_helpers.js";

t.test("a CEL syntax error points into the expression", async (t) => {
  const base = `resources:
  - type: file
    title: /srv/\${node.name +}
  - type: file
    title: /srv/b
    when: "facts.os.family =="
  - type: file
    title: "/srv/\${node.name"
`;
  t.same(problemLines(await compileFiles(t, site({ base }))), [
    "modules/base/module.yaml:3:29: for node web-01: `${node.name +}`: invalid CEL: found + but expecting end of input",
    "modules/base/module.yaml:6:28: for node web-01: `facts.os.family ==`: invalid CEL: found = but expecting end of input",
    "modules/base/module.yaml:8:18: for node web-01: `${` is not closed by `}`",
  ]);
});

t.test("an evaluation error is reported at its expression with CEL's message", async (t) => {
  const base = `resources:
  - type: file
    title: /srv/a
    content: "host \${facts.fqdn} os \${facts.os.family}"
  - type: file
    title: /srv/b
    when: facts.virtual == "kvm"
  - type: file
    title: /srv/c
    content: \${1 / 0}
`;
  t.same(problemLines(await compileFiles(t, site({ base }), "web-01", { os: { family: "debian" } })), [
    "modules/base/module.yaml:4:20: for node web-01: `${facts.fqdn}`: field not found: fqdn",
    'modules/base/module.yaml:7:11: for node web-01: `facts.virtual == "kvm"`: field not found: virtual',
    "modules/base/module.yaml:10:14: for node web-01: `${1 / 0}`: int divide by zero",
  ]);
});

t.test("when, for_each, title and relationships of the wrong kind", async (t) => {
  const base = `resources:
  - type: file
    title: /srv/a
    when: "'yes'"
  - type: file
    title: /srv/\${each}
    for_each: "42"
  - type: file
    title: \${7}
  - type: file
    title: /srv/d
    require: [nocolon, "\${1}"]
    noop: "\${'x'}"
`;
  t.same(problemLines(await compileFiles(t, site({ base }))), [
    'modules/base/module.yaml:4:12: for node web-01: `when` must give true or false, not the string "yes"',
    "modules/base/module.yaml:7:16: for node web-01: `for_each` must give a list or a map, not the number 42",
    "modules/base/module.yaml:9:12: for node web-01: `title` must be a string, not the number 7",
    'modules/base/module.yaml:12:15: for node web-01: `require` entries must be "type:title", like package:nginx, not "nocolon"',
    'modules/base/module.yaml:12:24: for node web-01: `require` entries must be "type:title", like package:nginx, not the number 1',
    'modules/base/module.yaml:13:11: for node web-01: `noop` must give true or false, not the string "x"',
  ]);
});

t.test("classification `when` problems are reported in nodes.yaml", async (t) => {
  const nodes = 'nodes:\n  - match: "*"\n    when: facts.missing\n    modules: [base]\n  - when: "1 +"\n    modules: [base]\n';
  t.same(problemLines(await compileFiles(t, site({ base: "resources: []\n" }, nodes))), [
    "nodes.yaml:3:11: for node web-01: `facts.missing`: field not found: missing",
    "nodes.yaml:5:14: for node web-01: `1 +`: invalid CEL: found + but expecting end of input",
  ]);
});
