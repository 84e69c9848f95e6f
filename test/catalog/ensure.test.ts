// `ensure` is file (the default), directory or absent; content belongs to plain files only.
import t from "tap";
import { compileFiles, expectOk, problemLines, site } from "./_helpers.js";

t.test("ensure defaults to file and keeps directory and absent", async (t) => {
  const base = "resources:\n  - { type: file, title: /srv/f }\n  - { type: file, title: /srv/d, ensure: directory }\n  - { type: file, title: /srv/gone, ensure: absent }\n";
  const { body } = expectOk(t, await compileFiles(t, site({ base })));
  t.same(body.resources.map((r) => r.properties.ensure), ["file", "directory", "absent"]);
});

t.test("link is not supported yet; other values are listed", async (t) => {
  const base = "resources:\n  - type: file\n    title: /srv/l\n    ensure: link\n  - type: file\n    title: /srv/p\n    ensure: present\n";
  t.same(problemLines(await compileFiles(t, site({ base }))), [
    "modules/base/module.yaml:4:13: `ensure: link` is not supported yet by this compiler",
    'modules/base/module.yaml:7:13: `ensure` must be one of file, directory, absent, not "present"',
  ]);
});

t.test("content or source on a directory or an absent file is a mistake", async (t) => {
  const base = {
    "module.yaml": "resources:\n  - type: file\n    title: /srv/d\n    ensure: directory\n    content: x\n  - type: file\n    title: /srv/a\n    ensure: absent\n    source: files/x\n",
    files: { x: "x" },
  };
  t.same(problemLines(await compileFiles(t, site({ base }))), [
    "modules/base/module.yaml:5:5: `content` only applies to `ensure: file`, not `ensure: directory`",
    "modules/base/module.yaml:9:5: `source` only applies to `ensure: file`, not `ensure: absent`",
  ]);
});
