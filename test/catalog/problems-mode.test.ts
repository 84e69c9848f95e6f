// `mode: 0644` unquoted is read by YAML as a number: the problem says to quote it.
import t from "tap";
import { compileFiles, expectOk, problemLines, site } from "./_helpers.js";

function withMode(mode: string): ReturnType<typeof site> {
  return site({ base: `resources:\n  - type: file\n    title: /srv/x\n    mode: ${mode}\n` });
}

t.test("an unquoted mode tells to quote it", async (t) => {
  t.same(problemLines(await compileFiles(t, withMode("0644"))), [
    'modules/base/module.yaml:4:11: `mode` 0644 is read by YAML as a number; quote it: mode: "0644"',
  ]);
  t.same(problemLines(await compileFiles(t, withMode("755"))), ['modules/base/module.yaml:4:11: `mode` 755 is read by YAML as a number; quote it: mode: "755"']);
});

t.test("a quoted mode must be octal", async (t) => {
  t.same(problemLines(await compileFiles(t, withMode('"rw-r--r--"'))), [
    'modules/base/module.yaml:4:11: `mode` must be an octal string like "0644", not "rw-r--r--"',
  ]);
  t.same(problemLines(await compileFiles(t, withMode('"0948"'))), ['modules/base/module.yaml:4:11: `mode` must be an octal string like "0644", not "0948"']);
});

t.test("quoted octal modes pass through as written", async (t) => {
  for (const mode of ["0644", "755", "1777"]) {
    const { body } = expectOk(t, await compileFiles(t, withMode(`"${mode}"`)));
    t.equal(body.resources[0].properties.mode, mode);
  }
});
