// Unknown keys, keys of the full language this compiler does not implement yet,
// and values of the wrong type are reported where they are written.
import t from "tap";
import { compileFiles, problemLines, site } from "./_helpers.js";

t.test("unknown and not-yet-supported keys in nodes.yaml", async (t) => {
  const nodes = `nodes:
  - match: "*"
    modules: [base]
    when: 'facts.os.family == "debian"'
    params: { base: { x: 1 } }
    modlues: [web]
defaults: {}
`;
  t.same(problemLines(await compileFiles(t, site({ base: "resources: []\n" }, nodes))), [
    "nodes.yaml:4:5: `when` is not supported yet by this compiler",
    "nodes.yaml:5:5: `params` is not supported yet by this compiler",
    "nodes.yaml:6:5: unknown key `modlues` (expected one of: match, modules)",
    "nodes.yaml:7:1: unknown key `defaults` (expected one of: nodes)",
  ]);
});

t.test("unknown and not-yet-supported keys in module.yaml", async (t) => {
  const module = `params:
  port: { type: int, default: 80 }
resources:
  - type: file
    title: /srv/x
    template: x.liquid
    for_each: params.sites
    mdoe: "0644"
`;
  t.same(problemLines(await compileFiles(t, site({ base: module }))), [
    "modules/base/module.yaml:1:1: `params` is not supported yet by this compiler",
    "modules/base/module.yaml:6:5: `template` is not supported yet by this compiler",
    "modules/base/module.yaml:7:5: `for_each` is not supported yet by this compiler",
    "modules/base/module.yaml:8:5: unknown key `mdoe` (expected one of: type, title, ensure, content, source, mode, owner, group, require, notify)",
  ]);
});

t.test("values of the wrong type", async (t) => {
  const module = `resources:
  - type: file
    title: 42
  - type: file
    title: /srv/a
    content: [a, b]
    owner:
    ensure: present
    require: "file:/srv/b"
    notify: [justaname, 7]
  - just a string
`;
  t.same(problemLines(await compileFiles(t, site({ base: module }))), [
    "modules/base/module.yaml:3:12: `title` must be a string, not the number 42",
    "modules/base/module.yaml:6:14: `content` must be a string, not a list",
    "modules/base/module.yaml:7:11: `owner` must be a string, not empty",
    "modules/base/module.yaml:8:13: `ensure` must be one of file, directory, absent, not \"present\"",
    "modules/base/module.yaml:9:14: `require` must be a list, not a string",
    'modules/base/module.yaml:10:14: `notify` entries must be "type:title", like file:/etc/motd, not "justaname"',
    "modules/base/module.yaml:10:25: `notify` entries must be a string, not the number 7",
    "modules/base/module.yaml:11:5: a resource must be a mapping, not a string",
  ]);
});

t.test("nodes.yaml of the wrong shape", async (t) => {
  const shapes: [string, string[]][] = [
    ["", ["nodes.yaml:1:1: nodes.yaml must be a mapping, not empty"]],
    ["nodes: web\n", ["nodes.yaml:1:8: `nodes` must be a list, not a string"]],
    ["nodes:\n  - match: 1\n    modules: base\n", ["nodes.yaml:2:12: `match` must be a string, not the number 1", "nodes.yaml:3:14: `modules` must be a list, not a string"]],
    ["nodes:\n  - modules: [base]\n", ["nodes.yaml:2:5: a rule needs `match:` (a certname glob such as \"web-*\")"]],
    ["other: 1\n", ["nodes.yaml:1:1: unknown key `other` (expected one of: nodes)", "nodes.yaml:1:1: nodes.yaml needs a `nodes:` list of rules"]],
  ];
  for (const [nodes, expected] of shapes) {
    t.same(problemLines(await compileFiles(t, site({ base: "resources: []\n" }, nodes))), expected, JSON.stringify(nodes));
  }
});
