// Liquid templates from the module's templates/: same scope as expressions,
// partials from templates/ only, strict variables and filters.
import t from "tap";
import { compileFiles, expectOk, problemLines, site, type SiteDir } from "./_helpers.js";

function withTemplate(templates: SiteDir, name = "main.liquid"): SiteDir {
  return site({ base: { "module.yaml": `params:\n  sites: { type: list, default: [a, b] }\nresources:\n  - type: file\n    title: /srv/x\n    template: ${name}\n`, templates } });
}

t.test("a template sees node, facts, params and data, and includes partials from templates/", async (t) => {
  const files = {
    ...withTemplate({
      "main.liquid": "{{ node.name }} {{ facts.os.family }} {{ data['base.sites'] | size }}\n{% for s in params.sites %}{% include 'partials/site', s: s %}{% endfor %}",
      partials: { "site.liquid": "[{{ s | upcase }}]" },
    }),
    data: { "common.yaml": "base.sites: [x, y]\n" },
  };
  const { body } = expectOk(t, await compileFiles(t, files, "web-01", { os: { family: "debian" } }));
  t.equal(body.resources[0].properties.content, "web-01 debian 2\n[X][Y]");
});

t.test("an undefined variable points at `template:` and names the template and its line", async (t) => {
  t.same(problemLines(await compileFiles(t, withTemplate({ "main.liquid": "ok\n{{ params.nope }}" }))), [
    "modules/base/module.yaml:6:5: for node web-01: template main.liquid: undefined variable: params.nope, line:2, col:4",
  ]);
});

t.test("an undefined filter is a problem", async (t) => {
  t.same(problemLines(await compileFiles(t, withTemplate({ "main.liquid": "{{ node.name | shout }}" }))), [
    "modules/base/module.yaml:6:5: for node web-01: template main.liquid: undefined filter: shout, file:main.liquid, line:1, col:1",
  ]);
});

t.test("partials cannot leave templates/; a missing template is named", async (t) => {
  t.same(problemLines(await compileFiles(t, withTemplate({ "main.liquid": "{% include '../module.yaml' %}" }))), [
    'modules/base/module.yaml:6:5: for node web-01: template main.liquid: ENOENT: Failed to lookup "../module.yaml" in ".", file:main.liquid, line:1, col:1',
  ]);
  t.same(problemLines(await compileFiles(t, withTemplate({ "main.liquid": "{% include '/etc/passwd' %}" }))), [
    'modules/base/module.yaml:6:5: for node web-01: template main.liquid: ENOENT: Failed to lookup "/etc/passwd" in ".", file:main.liquid, line:1, col:1',
  ]);
  t.same(problemLines(await compileFiles(t, withTemplate({}, "../module.yaml"))), [
    'modules/base/module.yaml:6:5: for node web-01: template "../module.yaml" must be a path inside the module\'s templates/ directory',
  ]);
  t.same(problemLines(await compileFiles(t, withTemplate({}, "nope.liquid"))), [
    "modules/base/module.yaml:6:5: for node web-01: template nope.liquid does not exist in the module's templates/ directory",
  ]);
});
