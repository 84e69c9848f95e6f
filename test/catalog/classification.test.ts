// nodes.yaml: every rule whose certname glob matches (and whose `when` holds) adds its
// modules, each once, first appearance first, and its params, later rules overriding earlier.
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
    t.same(
      body.resources.map((r) => r.title),
      titles,
    );
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

t.test("`when` is CEL over facts and node; match defaults to every node", async (t) => {
  const nodes = `nodes:
  - modules: [base]
  - when: 'facts.os.family == "debian" && node.name.startsWith("web")'
    modules: [web]
  - match: "db-*"
    when: "facts.cpu.count >= 8"
    modules: [db]
`;
  const f = { "nodes.yaml": nodes, modules: files.modules };
  const titles = async (certname: string, facts: object): Promise<string[]> => expectOk(t, await compileFiles(t, f, certname, facts as never)).body.resources.map((r) => r.title);
  t.same(await titles("web-01", { os: { family: "debian" } }), ["/srv/base", "/srv/web"]);
  t.same(await titles("web-01", { os: { family: "redhat" } }), ["/srv/base"]);
  t.same(await titles("db-01", { os: { family: "debian" }, cpu: { count: 8 } }), ["/srv/base", "/srv/db"]);
  t.same(await titles("db-02", { os: { family: "debian" }, cpu: { count: 4 } }), ["/srv/base"]);
});

t.test("params of matching rules merge; a later rule overrides an earlier one per param", async (t) => {
  const nodes = `nodes:
  - match: "*"
    modules: [app]
    params: { app: { port: 80, name: base } }
  - match: "web-*"
    modules: []
    params: { app: { port: 8080 } }
  - match: "db-*"
    modules: []
    params: { app: { name: db } }
`;
  const app = `params:
  port: { type: int }
  name: { type: string }
resources:
  - type: file
    title: /srv/\${params.name}
    content: "port \${params.port}"
`;
  const f = { "nodes.yaml": nodes, modules: { app: { "module.yaml": app } } };
  t.same(expectOk(t, await compileFiles(t, f, "web-01")).body.resources[0], { type: "file", title: "/srv/base", properties: { ensure: "file", content: "port 8080" } });
  t.same(expectOk(t, await compileFiles(t, f, "db-01")).body.resources[0], { type: "file", title: "/srv/db", properties: { ensure: "file", content: "port 80" } });
});
