// Unknown keys, and values of the wrong shape, are reported where they are
// written, in every file of the site.
import t from "tap";
import { compileFiles, problemLines, site } from "./_helpers.js";

t.test("unknown keys in ancla.yaml, nodes.yaml, module.yaml and a parameter", async (t) => {
  const nodes = `nodes:
  - match: "*"
    modules: [base]
    modlues: [web]
defaults: {}
`;
  const module = `params:
  port: { type: int, defualt: 80 }
resources: []
outputs: {}
`;
  const files = { ...site({ base: module }, nodes), "ancla.yaml": "hierarchy: [common.yaml]\nheirarchy: []\n" };
  t.same(problemLines(await compileFiles(t, files)), [
    "ancla.yaml:2:1: for node web-01: unknown key `heirarchy` (expected one of: hierarchy, environments, strategies, analysis, slos, probes)",
    "nodes.yaml:4:5: for node web-01: unknown key `modlues` (expected one of: match, when, modules, params, environment)",
    "nodes.yaml:5:1: for node web-01: unknown key `defaults` (expected one of: nodes)",
    "modules/base/module.yaml:2:3: for node web-01: module base needs parameter `port`: no default, no data (base.port) and no rule gives it",
    "modules/base/module.yaml:2:22: for node web-01: unknown key `defualt` (expected one of: type, of, values, optional, default)",
    "modules/base/module.yaml:4:1: for node web-01: unknown key `outputs` (expected one of: params, resources, probes)",
  ]);
});

t.test("values of the wrong shape", async (t) => {
  const module = `resources:
  - type: file
    title: 42
  - type: file
    title: /srv/a
    content: [a, b]
    notify: [justaname, 7]
  - just a string
`;
  t.same(problemLines(await compileFiles(t, site({ base: module }))), [
    "modules/base/module.yaml:3:12: for node web-01: `title` must be a string, not the number 42",
    "modules/base/module.yaml:6:14: for node web-01: `content` must be a string, not a list",
    'modules/base/module.yaml:7:14: for node web-01: `notify` entries must be "type:title", like package:nginx, not "justaname"',
    'modules/base/module.yaml:7:25: for node web-01: `notify` entries must be "type:title", like package:nginx, not the number 7',
    "modules/base/module.yaml:8:5: for node web-01: a resource must be a mapping, not a string",
  ]);
});

t.test("nodes.yaml of the wrong shape", async (t) => {
  const shapes: [string, string[]][] = [
    ["", ["nodes.yaml:1:1: for node web-01: nodes.yaml must be a mapping, not empty"]],
    ["nodes: web\n", ["nodes.yaml:1:8: for node web-01: `nodes` must be a list, not a string"]],
    [
      "nodes:\n  - match: 1\n    modules: base\n",
      ["nodes.yaml:2:12: for node web-01: `match` must be a string, not the number 1", "nodes.yaml:3:14: for node web-01: `modules` must be a list, not a string"],
    ],
    ["nodes:\n  - match: x\n", ["nodes.yaml:2:5: for node web-01: a rule needs `modules:` (a list of module names) or an `environment:`"]],
    ["other: 1\n", ["nodes.yaml:1:1: for node web-01: unknown key `other` (expected one of: nodes)", "nodes.yaml:1:1: for node web-01: nodes.yaml needs a `nodes:` list of rules"]],
  ];
  for (const [nodes, expected] of shapes) {
    t.same(problemLines(await compileFiles(t, site({ base: "resources: []\n" }, nodes))), expected, JSON.stringify(nodes));
  }
});

t.test("data files of the wrong shape", async (t) => {
  const files = { ...site({ base: "params:\n  x: { type: int, optional: true }\nresources: []\n" }), data: { "common.yaml": "x: 1\nbase.x: 2\n[a]: 3\n" } };
  t.same(problemLines(await compileFiles(t, files)), [
    'data/common.yaml:1:1: for node web-01: data keys are module.param, like nginx.workers, not "x"',
    "data/common.yaml:3:1: for node web-01: a data key must be a string, not a list",
  ]);
  t.same(problemLines(await compileFiles(t, { ...files, data: { "common.yaml": "- base.x\n" } })), ["data/common.yaml:1:1: for node web-01: a data file must be a mapping, not a list"]);
});
