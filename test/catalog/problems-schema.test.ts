// Resource types: an unknown type, and each schema problem at the key of the
// property it is about (the title for the resource as a whole).
import t from "tap";
import { compileFiles, problemLines, site } from "./_helpers.js";

t.test("an unknown type is reported at its type", async (t) => {
  const base = "resources:\n  - type: pakage\n    title: nginx\n  - title: x\n  - type: file\n";
  t.same(problemLines(await compileFiles(t, site({ base }))), [
    'modules/base/module.yaml:2:11: for node web-01: unknown resource type "pakage" (known: file, package, service, user, group, exec, image)',
    "modules/base/module.yaml:4:5: for node web-01: a resource needs a `type` (one of file, package, service, user, group, exec, image)",
    "modules/base/module.yaml:5:5: for node web-01: a resource needs a `title`",
  ]);
});

t.test("schema problems sit at the property's key, title problems at the title", async (t) => {
  const base = `resources:
  - type: file
    title: etc/motd
  - type: file
    title: /srv/x
    mode: 0644
    colour: blue
  - type: service
    title: nginx
    ensure: sideways
  - type: file
    title: /srv/d
    ensure: directory
    content: hi
`;
  t.same(problemLines(await compileFiles(t, site({ base }))), [
    'modules/base/module.yaml:3:12: for node web-01: `title` must be an absolute path, not "etc/motd"',
    'modules/base/module.yaml:6:5: for node web-01: `mode` must be an octal string like "0644", not the number 644; quote it, e.g. "0644"',
    "modules/base/module.yaml:7:5: for node web-01: file has no property `colour` (it takes ensure, content, content_sha256, mode, owner, group, target, purge)",
    'modules/base/module.yaml:10:5: for node web-01: `ensure` must be one of running, stopped, not "sideways"',
    "modules/base/module.yaml:14:5: for node web-01: `content` only applies to `ensure: file`, not `ensure: directory`",
  ]);
});

t.test("artifact: needs the server's artifact store, which a compile without one (masterless) does not have", async (t) => {
  const base = "resources:\n  - type: image\n    title: webapp\n    artifact: webapp@2.1.0\n    path: /opt/webapp\n";
  t.same(problemLines(await compileFiles(t, site({ base }))), [
    "modules/base/module.yaml:4:15: for node web-01: `artifact: webapp@2.1.0` needs the server's artifact store, and this compile has none (masterless, or outside the server); ship the image in the module with `source: files/...`, or let the server compile",
  ]);
});
