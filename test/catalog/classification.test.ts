// nodes.yaml: every rule whose certname glob matches adds its modules, each once, first appearance first.
import t from "tap";
import { compileFiles, expectOk } from "./_helpers.js";

function moduleWith(title: string): { "module.yaml": string } {
  return { "module.yaml": `resources:\n  - type: file\n    title: ${title}\n    ensure: directory\n` };
}

const files = {
  "nodes.yaml": `nodes:
  - match: "*"
    modules: [base]
  - match: "web-*"
    modules: [web, base]
  - match: "*.example.com"
    modules: [dns, web]
  - match: "db-0[1-3]"
    modules: [db]
  - match: "{cache,queue}-*"
    modules: [infra]
`,
  modules: {
    base: moduleWith("/srv/base"),
    web: moduleWith("/srv/web"),
    dns: moduleWith("/srv/dns"),
    db: moduleWith("/srv/db"),
    infra: moduleWith("/srv/infra"),
  },
};

const cases: [string, string[]][] = [
  ["web-01", ["/srv/base", "/srv/web"]],
  ["web-01.example.com", ["/srv/base", "/srv/web", "/srv/dns"]],
  ["mail.example.com", ["/srv/base", "/srv/dns", "/srv/web"]],
  ["db-02", ["/srv/base", "/srv/db"]],
  ["db-04", ["/srv/base"]],
  ["cache-1", ["/srv/base", "/srv/infra"]],
  ["queue-a", ["/srv/base", "/srv/infra"]],
  ["other", ["/srv/base"]],
];

for (const [certname, titles] of cases) {
  t.test(`${certname} gets ${titles.join(", ")}`, async (t) => {
    const { body } = expectOk(t, await compileFiles(t, files, certname));
    t.same(body.resources.map((r) => r.title), titles);
  });
}

t.test("a node that matches no rule gets an empty catalog", async (t) => {
  const { body } = expectOk(t, await compileFiles(t, { "nodes.yaml": 'nodes:\n  - match: "web-*"\n    modules: [web]\n', modules: { web: moduleWith("/srv/web") } }, "db-01"));
  t.same(body.resources, []);
  t.same(body.edges, []);
});

t.test("modules of rules that do not match are not read", async (t) => {
  const nodes = 'nodes:\n  - match: "web-*"\n    modules: [broken]\n';
  const { body } = expectOk(t, await compileFiles(t, { "nodes.yaml": nodes, modules: { broken: { "module.yaml": "resources: [" } } }, "db-01"));
  t.same(body.resources, []);
});
