// File titles are normalised absolute paths, so one file cannot hide behind two spellings.
import t from "tap";
import { compileFiles, expectOk, problemLines, site } from "./_helpers.js";

t.test("relative and unnormalised titles are refused", async (t) => {
  for (const title of ["etc/motd", "/etc//motd", "/etc/./motd", "/etc/motd/", "/etc/../motd", "''"]) {
    const files = site({ base: `resources:\n  - type: file\n    title: ${title}\n` });
    const shown = JSON.stringify(title === "''" ? "" : title);
    t.same(problemLines(await compileFiles(t, files)), [`modules/base/module.yaml:3:12: a file title must be a normalised absolute path, not ${shown}`], title);
  }
});

t.test("the root and ordinary absolute paths are accepted", async (t) => {
  const { body } = expectOk(t, await compileFiles(t, site({ base: "resources:\n  - { type: file, title: /, ensure: directory }\n  - { type: file, title: /etc/motd }\n" })));
  t.same(body.resources.map((r) => r.title), ["/", "/etc/motd"]);
});
