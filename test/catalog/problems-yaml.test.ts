// Malformed YAML becomes located problems, never an exception.
import t from "tap";
import { compileFiles, problemLines, site } from "./_helpers.js";

t.test("a malformed nodes.yaml", async (t) => {
  const nodes = 'nodes:\n  - match: "*"\n    modules: [base\n  - match: x\n';
  t.same(problemLines(await compileFiles(t, site({ base: "resources: []\n" }, nodes))), [
    "nodes.yaml:4:3: for node web-01: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]",
  ]);
});

t.test("a malformed module.yaml", async (t) => {
  const module = 'resources:\n  - type: file\n    title: "/srv/x\n';
  t.same(problemLines(await compileFiles(t, site({ base: module }))), ['modules/base/module.yaml:4:1: for node web-01: invalid YAML: Missing closing "quote']);
});

t.test("duplicate keys, tabs and several documents", async (t) => {
  const module = "resources:\n  - type: file\n    title: /srv/x\n    title: /srv/y\n";
  t.same(problemLines(await compileFiles(t, site({ base: module }))), ["modules/base/module.yaml:4:5: for node web-01: invalid YAML: Map keys must be unique"]);
  t.same(problemLines(await compileFiles(t, site({ base: "resources:\n\t- type: file\n" }))), ["modules/base/module.yaml:2:1: for node web-01: invalid YAML: Tabs are not allowed as indentation"]);
  t.same(problemLines(await compileFiles(t, site({ base: "resources: []\n---\nresources: []\n" }))), [
    "modules/base/module.yaml:2:1: for node web-01: a site file must hold a single YAML document (remove the extra `---`)",
  ]);
});
