// Duplicates, dangling references and cycles among the node's resources.
import t from "tap";
import { compileFiles, expectOk, problemLines, site } from "./_helpers.js";

const nodesBoth = 'nodes:\n  - match: "*"\n    modules: [base, web]\n';

t.test("a duplicate is reported at the second declaration, naming the first", async (t) => {
  const base = "resources:\n  - type: file\n    title: /srv/a\n  - type: file\n    title: /srv/a\n    ensure: directory\n";
  const web = "resources:\n  - { type: file, title: /srv/a }\n";
  t.same(problemLines(await compileFiles(t, site({ base, web }, nodesBoth))), [
    "modules/base/module.yaml:5:12: for node web-01: duplicate resource file:/srv/a; first declared at modules/base/module.yaml:3:12",
    "modules/web/module.yaml:2:26: for node web-01: duplicate resource file:/srv/a; first declared at modules/base/module.yaml:3:12",
  ]);
});

t.test("a reference to an undeclared resource is dangling", async (t) => {
  const base = `resources:
  - type: file
    title: /srv/a
    require: ["file:/srv/a-typo", "file:/srv/b"]
    notify: [file:/srv/nope]
  - type: file
    title: /srv/b
`;
  t.same(problemLines(await compileFiles(t, site({ base }))), [
    "modules/base/module.yaml:4:15: for node web-01: require: file:/srv/a-typo is not declared for this node",
    "modules/base/module.yaml:5:14: for node web-01: notify: file:/srv/nope is not declared for this node",
  ]);
});

t.test("a reference to a module the node does not get is dangling", async (t) => {
  const base = "resources:\n  - type: file\n    title: /srv/a\n    require: [file:/srv/web]\n";
  const web = "resources:\n  - type: file\n    title: /srv/web\n";
  t.same(problemLines(await compileFiles(t, site({ base, web }))), ["modules/base/module.yaml:4:15: for node web-01: require: file:/srv/web is not declared for this node"]);
  expectOk(t, await compileFiles(t, site({ base, web }, nodesBoth)));
});

t.test("cycles are reported once each, naming their members, at the first edge inside them", async (t) => {
  const base = `resources:
  - type: file
    title: /srv/a
    require: [file:/srv/c]
  - type: file
    title: /srv/b
    require: [file:/srv/a]
  - type: file
    title: /srv/c
    notify: [file:/srv/d]
    require: [file:/srv/b]
  - type: file
    title: /srv/d
  - type: file
    title: /srv/self
    require: [file:/srv/self]
`;
  t.same(problemLines(await compileFiles(t, site({ base }))), [
    "modules/base/module.yaml:4:15: for node web-01: dependency cycle between file:/srv/a, file:/srv/b, file:/srv/c",
    "modules/base/module.yaml:16:15: for node web-01: dependency cycle between file:/srv/self",
  ]);
});

t.test("a cycle through notify: notify runs this resource first", async (t) => {
  const base = "resources:\n  - type: file\n    title: /srv/a\n    notify: [file:/srv/b]\n  - type: file\n    title: /srv/b\n    notify: [file:/srv/a]\n";
  t.same(problemLines(await compileFiles(t, site({ base }))), ["modules/base/module.yaml:4:14: for node web-01: dependency cycle between file:/srv/a, file:/srv/b"]);
});
