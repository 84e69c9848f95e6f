// `${secret("NAME")}` and `{{ "NAME" | secret }}` in a site: the compile binds
// each use to the secret's current version (a marker, never a value), makes
// the resource sensitive, and checks scope at the exact position. A secret
// that does not exist blocks only the resources that use it.
import t, { type Test } from "tap";
import type { CompileResult, Facts } from "../../catalog/compile-seam.js";
import { SecretDirectory } from "../../catalog/secrets/directory.js";
import { secretMarker } from "../../catalog/secrets/markers.js";
import { createSiteCompiler } from "../../catalog/site/create-site-compiler.js";
import { INLINE_LIMIT } from "../../catalog/site/content.js";
import { expectOk, problemLines, site, type SiteDir, type SiteFiles } from "./_helpers.js";

const secrets = new SecretDirectory([
  { name: "db_password", version: 3, environment: "production" },
  { name: "api.key", version: 1, nodesGlob: "web-*" },
]);

function compile(t: Test, files: SiteFiles, certname = "web-01", facts: Facts = {}): Promise<CompileResult> {
  return createSiteCompiler(t.testdir(files)).compile(certname, facts, { secrets });
}

function module(resources: string, templates?: SiteDir): SiteDir {
  return site({ base: templates ? { "module.yaml": `resources:\n${resources}`, templates } : `resources:\n${resources}` });
}

t.test("CEL and Liquid both give the secret bound to its version; the resource is sensitive and the catalog names what it uses", async (t) => {
  const files = module(
    '  - type: file\n    title: /etc/app/db.conf\n    mode: "0600"\n    content: "password=${secret(\\"db_password\\")}\\n"\n' +
      "  - type: file\n    title: /etc/app/api.conf\n    template: api.liquid\n" +
      "  - type: file\n    title: /etc/motd\n    content: hello\n",
    { "api.liquid": 'key={{ "api.key" | secret }} host={{ node.name }}\n' },
  );
  const result = await compile(t, files);
  const { body } = expectOk(t, result);
  const [db, api, motd] = body.resources;
  t.equal(db.properties.content, `password=${secretMarker("db_password", 3)}\n`);
  t.equal(api.properties.content, `key=${secretMarker("api.key", 1)} host=web-01\n`);
  t.same([db.sensitive, api.sensitive, motd.sensitive], [true, true, undefined], "only the resources that use a secret are sensitive");
  t.same(result.ok && result.secrets, [
    { name: "api.key", version: 1 },
    { name: "db_password", version: 3 },
  ]);
  t.same(result.warnings ?? [], []);
});

t.test("a node outside a secret's environment or glob gets a problem where the secret is named, and no catalog", async (t) => {
  const files = {
    ...module(
      '  - type: file\n    title: /etc/app/db.conf\n    content: \'user=app password=${secret("db_password")}\'\n  - type: file\n    title: /etc/app/api.conf\n    content: ${secret("api.key")}\n',
    ),
    "nodes.yaml": 'nodes:\n  - match: "*"\n    environment: staging\n    modules: [base]\n',
  };
  t.same(problemLines(await compile(t, files, "db-01")), [
    'modules/base/module.yaml:4:33: for node db-01: secret "db_password" is for environment production; node db-01 is in staging',
    'modules/base/module.yaml:7:14: for node db-01: secret "api.key" is for nodes web-*; db-01 is not one of them',
  ]);
});

t.test("a secret that does not exist blocks only its resource: a warning where it is named, the rest of the catalog intact", async (t) => {
  const files = module(
    '  - type: file\n    title: /etc/app/new.conf\n    content: ${secret("not_yet")}\n' +
      '  - type: exec\n    title: reload\n    command: /bin/true\n    refreshonly: true\n    subscribe: "file:/etc/app/new.conf"\n' +
      "  - type: file\n    title: /etc/motd\n    content: hello\n",
  );
  const result = await compile(t, files);
  const { body } = expectOk(t, result);
  t.match(body.resources[0], { title: "/etc/app/new.conf", sensitive: true, blocked: 'secret "not_yet" does not exist (ancla secret set not_yet makes it)' });
  t.notOk(body.resources[1].blocked, "a dependent is not blocked by the compile: the agent skips it");
  t.same(body.edges, [{ from: "file:/etc/app/new.conf", to: "exec:reload", kind: "notify" }]);
  t.same(
    (result.warnings ?? []).map((w) => `${w.file}:${w.line}:${w.column}: ${w.message}`),
    [
      'modules/base/module.yaml:4:14: for node web-01: file:/etc/app/new.conf fails on the node, and what depends on it is skipped, until it exists: secret "not_yet" does not exist (ancla secret set not_yet makes it)',
    ],
  );
  t.notOk(result.ok && result.secrets, "an unbound secret is not among those the catalog uses");
});

t.test("without a directory (masterless) every use is missing, never a value", async (t) => {
  const files = module('  - type: file\n    title: /etc/app/db.conf\n    content: ${secret("db_password")}\n');
  const result = await createSiteCompiler(t.testdir(files)).compile("web-01", {});
  t.match(expectOk(t, result).body.resources[0], { blocked: /secret "db_password" does not exist/, properties: { content: secretMarker("db_password") } });
});

t.test("a secret in a title, in a probe, or changed by an expression is a problem; a bad name is one at its position", async (t) => {
  const title = module('  - type: file\n    title: /etc/${secret("db_password")}\n    content: x\n');
  t.same(problemLines(await compile(t, title)), ["modules/base/module.yaml:3:12: for node web-01: a secret cannot be part of a title: titles are shown in reports and logs"]);
  const probe = site({ base: 'probes:\n  - name: web\n    http: { url: "http://localhost/?k=${secret(\\"api.key\\")}", status: 200 }\n' });
  t.match(problemLines(await compile(t, probe)), [/module.yaml:3:11: for node web-01: probe web: a probe cannot use a secret/]);
  const changed = module("  - type: file\n    title: /etc/app/api.conf\n    template: api.liquid\n", { "api.liquid": '{{ "api.key" | secret | upcase }}' });
  t.same(problemLines(await compile(t, changed)), [
    "modules/base/module.yaml:4:5: for node web-01: a secret can be placed into text only as it is: here an expression cut or changed what secret() gave",
  ]);
  const badName = module("  - type: file\n    title: /etc/x\n    content: 'v=${secret(\"1x\")}'\n");
  t.match(problemLines(await compile(t, badName)), [/module.yaml:4:17: for node web-01: `\$\{secret\("1x"\)\}`: "1x" is not a secret name/]);
});

t.test("content holding a secret stays inline however long, so the agent can put the value in place", async (t) => {
  const big = "x".repeat(INLINE_LIMIT + 10);
  const files = module("  - type: file\n    title: /etc/app/big.conf\n    template: big.liquid\n", { "big.liquid": `${big}{{ "api.key" | secret }}` });
  const { body, contents } = expectOk(t, await compile(t, files));
  t.equal(body.resources[0].properties.content, big + secretMarker("api.key", 1));
  t.equal(contents.size, 0);
});
