// Only `file` resources are supported by this compiler; other types are located problems.
import t from "tap";
import { compileFiles, problemLines, site } from "./_helpers.js";

t.test("an unsupported type is reported at its type, and references to it are not dangling too", async (t) => {
  const module = `resources:
  - type: package
    title: nginx
    ensure: installed
  - type: file
    title: /etc/nginx/nginx.conf
    content: "x"
    require: ["package:nginx"]
    notify: ["service:nginx"]
  - type: service
    title: nginx
    ensure: running
`;
  t.same(problemLines(await compileFiles(t, site({ base: module }))), [
    "modules/base/module.yaml:2:11: resource type package is not supported yet by this compiler (supported: file)",
    "modules/base/module.yaml:10:11: resource type service is not supported yet by this compiler (supported: file)",
  ]);
});

t.test("a resource without a type or title", async (t) => {
  const module = "resources:\n  - title: /srv/x\n  - type: file\n    ensure: directory\n  - type: [file]\n";
  t.same(problemLines(await compileFiles(t, site({ base: module }))), [
    "modules/base/module.yaml:2:5: a resource needs a `type` (this compiler supports: file)",
    "modules/base/module.yaml:3:5: a resource needs a `title` (for files, the absolute path)",
    "modules/base/module.yaml:5:11: `type` must be a string, not a list",
  ]);
});
