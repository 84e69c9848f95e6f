// Parameter problems, each at the value (or declaration) it is about, naming the node.
import t from "tap";
import { compileFiles, problemLines, site } from "./_helpers.js";

const base = `params:
  workers: { type: int, default: 2 }
  ports:   { type: list, of: int, default: [80, 443] }
  mode:    { type: enum, values: [fast, safe], default: safe }
  name:    { type: string }
resources: []
`;

t.test("a required parameter without a value anywhere is reported at its declaration", async (t) => {
  t.same(problemLines(await compileFiles(t, site({ base }))), [
    "modules/base/module.yaml:5:3: for node web-01: module base needs parameter `name`: no default, no data (base.name) and no rule gives it",
  ]);
});

t.test("a wrong value is reported where it is written: rule, data file, list item", async (t) => {
  const nodes = `nodes:
  - match: "*"
    modules: [base]
    params: { base: { name: x, workers: four, ports: [80, "443"] } }
`;
  const files = { ...site({ base }, nodes), data: { "common.yaml": "base.mode: turbo\n" } };
  t.same(problemLines(await compileFiles(t, files)), [
    'nodes.yaml:4:41: for node web-01: parameter base.workers must be an int, not the string "four"',
    'nodes.yaml:4:59: for node web-01: parameter base.ports[1] must be an int, not the string "443"',
    'data/common.yaml:1:12: for node web-01: parameter base.mode must be one of "fast", "safe", not the string "turbo"',
  ]);
});

t.test("a wrong default is reported at the default", async (t) => {
  const m = "params:\n  on: { type: bool, default: 1 }\n  m: { type: map, of: { type: list, of: string }, default: { a: [x, 2] } }\nresources: []\n";
  t.same(problemLines(await compileFiles(t, site({ base: m }))), [
    "modules/base/module.yaml:2:30: for node web-01: parameter base.on must be a bool, not the number 1",
    "modules/base/module.yaml:3:69: for node web-01: parameter base.m.a[1] must be a string, not the number 2",
  ]);
});

t.test("a parameter the module does not declare, from a rule or from data", async (t) => {
  const nodes = 'nodes:\n  - match: "*"\n    modules: [base]\n    params: { base: { name: x, wokers: 3 } }\n';
  const files = { ...site({ base }, nodes), data: { "common.yaml": "base.prots: [1]\nother.x: 1\n" } };
  t.same(problemLines(await compileFiles(t, files)), [
    "nodes.yaml:4:32: for node web-01: module base has no parameter `wokers` (it has: workers, ports, mode, name)",
    "data/common.yaml:1:1: for node web-01: module base has no parameter `prots` (it has: workers, ports, mode, name)",
  ]);
});

t.test("a malformed parameter declaration", async (t) => {
  const m = `params:
  a: { type: integer }
  b: { type: enum }
  c: { type: string, of: int }
  d: { default: 1 }
  e: { type: list, of: { type: colour } }
  f: { type: string, optional: maybe }
  g-h: { type: string }
resources: []
`;
  t.same(problemLines(await compileFiles(t, site({ base: m }))), [
    'modules/base/module.yaml:2:14: for node web-01: `type` must be one of string, int, number, bool, list, map, enum, not "integer"',
    "modules/base/module.yaml:3:8: for node web-01: `type: enum` needs `values`, the list of allowed values",
    "modules/base/module.yaml:4:22: for node web-01: `of` only applies to `type: list` or `type: map`",
    "modules/base/module.yaml:5:3: for node web-01: `d` needs a `type` (one of string, int, number, bool, list, map, enum)",
    'modules/base/module.yaml:6:32: for node web-01: `type` must be one of string, int, number, bool, list, map, enum, not "colour"',
    "modules/base/module.yaml:7:32: for node web-01: `optional` must be true or false, not a string",
    'modules/base/module.yaml:8:3: for node web-01: "g-h" is not a valid parameter name (a letter or _, then letters, digits and _)',
  ]);
});
