// An exec with no creates/unless/onlyif/refreshonly runs on every agent run:
// the compile warns (as puppet-lint does) at its title, and still gives the catalog.
import t from "tap";
import { compileFiles, expectOk, site } from "./_helpers.js";
import { formatProblem } from "../../catalog/compile-seam.js";

const MODULE = `resources:
  - type: exec
    title: always
    command: "true"
  - type: exec
    title: explicit-false
    refreshonly: false
  - type: exec
    title: once
    creates: /var/lib/once
  - type: exec
    title: checked
    unless: "true"
  - type: exec
    title: maybe
    onlyif: "false"
  - type: exec
    title: on-refresh
    refreshonly: true
`;

t.test("only the unguarded execs are warned about, at their titles; the catalog is still compiled", async (t) => {
  const result = await compileFiles(t, site({ base: MODULE }));
  t.equal(expectOk(t, result).body.resources.length, 6);
  t.same((result.warnings ?? []).map(formatProblem), [
    "modules/base/module.yaml:3:12: for node web-01: exec:always: this exec runs on every agent run: it has no `creates`, `unless`, `onlyif` or `refreshonly`",
    "modules/base/module.yaml:6:12: for node web-01: exec:explicit-false: this exec runs on every agent run: it has no `creates`, `unless`, `onlyif` or `refreshonly`",
  ]);
});

t.test("a site that does not compile still gives its warnings", async (t) => {
  const result = await compileFiles(t, site({ base: `${MODULE}    require: file:/nowhere\n` }));
  t.equal(result.ok, false);
  t.equal(result.warnings?.length, 2);
});

t.test("a site with no unguarded exec has no warnings", async (t) => {
  const result = await compileFiles(t, site({ base: "resources:\n  - type: exec\n    title: once\n    creates: /x\n" }));
  t.equal(result.warnings, undefined);
});
