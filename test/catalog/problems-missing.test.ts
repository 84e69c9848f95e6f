// A missing nodes.yaml, a module named but absent, and module names that are not directory names.
import t from "tap";
import { compileFiles, expectOk, problemLines, site } from "./_helpers.js";

t.test("a site without nodes.yaml", async (t) => {
  t.same(problemLines(await compileFiles(t, { modules: {} })), ["nodes.yaml:1:1: for node web-01: nodes.yaml is missing: the site needs one to classify nodes"]);
});

t.test("a module listed but missing is reported where it is listed", async (t) => {
  const nodes = 'nodes:\n  - match: "*"\n    modules: [base, nginx]\n';
  t.same(problemLines(await compileFiles(t, site({ base: "resources: []\n" }, nodes))), ["nodes.yaml:3:21: for node web-01: module nginx not found: modules/nginx/module.yaml does not exist"]);
});

t.test("module names may not be paths", async (t) => {
  const nodes = 'nodes:\n  - match: "*"\n    modules: ["../base", base]\n';
  t.same(problemLines(await compileFiles(t, site({ base: "resources: []\n" }, nodes))), ['nodes.yaml:3:15: for node web-01: "../base" is not a valid module name (letters, digits, - and _)']);
});

t.test("an empty module.yaml is a module with nothing to manage", async (t) => {
  const { body } = expectOk(t, await compileFiles(t, site({ base: "# nothing yet\n" })));
  t.same(body.resources, []);
});
