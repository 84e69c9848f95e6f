// One wrong parameter does not hide the rest of its module's problems: the
// value is unknown, what reads it is left unevaluated (no second, misleading
// problem), and everything else is still checked.
import t from "tap";
import { compileFiles, problemLines, site } from "./_helpers.js";

const MODULE = `params:
  port: { type: int, default: "not-a-number" }
resources:
  - type: file
    title: /etc/app.conf
    content: "listen \${params.port}\\n"
    require: file:/etc/missing
  - type: file
    title: /etc/a
    require: file:/etc/b
  - type: file
    title: /etc/b
    require: file:/etc/a
`;

t.test("a wrong default, a dangling require and a cycle: all three, each where it is", async (t) => {
  t.same(problemLines(await compileFiles(t, site({ base: MODULE }))), [
    'modules/base/module.yaml:2:31: for node web-01: parameter base.port must be an int, not the string "not-a-number"',
    "modules/base/module.yaml:7:14: for node web-01: require: file:/etc/missing is not declared for this node",
    "modules/base/module.yaml:10:14: for node web-01: dependency cycle between file:/etc/a, file:/etc/b",
  ]);
});

t.test("a missing parameter is unknown too: what a template, a title or for_each makes of it is not checked", async (t) => {
  const files = site({
    base: {
      "module.yaml": `params:
  name: { type: string }
  sites: { type: list, of: string }
resources:
  - type: file
    title: /etc/\${params.name}.conf
    template: conf.liquid
  - type: file
    title: /srv/\${each}
    for_each: params.sites
  - type: file
    title: /etc/fixed
    content: fixed
    mode: 644
    notify: service:nope
  - type: service
    title: app
    subscribe: file:/etc/app.conf
`,
      templates: { "conf.liquid": "name={{ params.name }}\n" },
    },
  });
  t.same(problemLines(await compileFiles(t, files)), [
    "modules/base/module.yaml:2:3: for node web-01: module base needs parameter `name`: no default, no data (base.name) and no rule gives it",
    "modules/base/module.yaml:3:3: for node web-01: module base needs parameter `sites`: no default, no data (base.sites) and no rule gives it",
    'modules/base/module.yaml:14:5: for node web-01: `mode` must be an octal string like "0644", not the number 644; quote it, e.g. "0644"',
    "modules/base/module.yaml:15:13: for node web-01: notify: service:nope is not declared for this node",
    // Not "file:/etc/app.conf is not declared": a file titled by the unknown name may be it.
  ]);
});
