// CEL in `when`, `for_each` and `${...}`: a string that is exactly one
// expression keeps its type, anything longer is a string; `$${` is a literal `${`.
import t from "tap";
import { compileFiles, expectOk, site } from "./_helpers.js";

const facts = { os: { family: "debian" }, cpu: { count: 4 }, load: 0.5, virtual: "kvm", tags: ["a", "b"] };

t.test("one expression keeps its type; a longer string is stringified", async (t) => {
  const base = `resources:
  - type: user
    title: deploy
    uid: \${facts.cpu.count * 250}
    groups: \${facts.tags}
    managehome: \${facts.cpu.count > 2}
    comment: "cpus=\${facts.cpu.count} load=\${facts.load} tags=\${facts.tags} \${ {'k': 1}['k'] }"
`;
  const { body } = expectOk(t, await compileFiles(t, site({ base }), "web-01", facts));
  t.same(body.resources[0].properties, { ensure: "present", uid: 1000, groups: ["a", "b"], managehome: true, comment: 'cpus=4 load=0.5 tags=["a","b"] 1' });
});

t.test("$${ is a literal ${", async (t) => {
  const base = "resources:\n  - type: file\n    title: /srv/x\n    content: 'echo $${HOME} $$ ${node.name}'\n";
  const { body } = expectOk(t, await compileFiles(t, site({ base })));
  t.equal(body.resources[0].properties.content, "echo ${HOME} $$ web-01");
});

t.test("when decides per resource; for_each binds each (list items, map key/value)", async (t) => {
  const base = `params:
  users: { type: map, of: int, default: { alice: 1001, bob: 1002 } }
  dirs: { type: list, default: [a, b, c] }
resources:
  - type: file
    title: /srv/only-debian
    when: 'facts.os.family == "debian"'
  - type: file
    title: /srv/only-redhat
    when: 'facts.os.family == "redhat"'
  - type: file
    for_each: params.dirs
    when: each != "b"
    title: /srv/\${each}
    ensure: directory
  - type: user
    for_each: params.users
    title: \${each.key}
    uid: \${each.value}
  - type: file
    for_each: "[1, 2].map(i, i * 10)"
    title: /srv/n\${each}
`;
  const { body } = expectOk(t, await compileFiles(t, site({ base }), "web-01", facts));
  t.same(
    body.resources.map((r) => `${r.type}:${r.title}`),
    ["file:/srv/only-debian", "file:/srv/a", "file:/srv/c", "user:alice", "user:bob", "file:/srv/n10", "file:/srv/n20"],
  );
  t.equal(body.resources[4].properties.uid, 1002);
});

t.test("when: false and for_each over an empty list declare nothing", async (t) => {
  const base = "resources:\n  - { type: file, title: /srv/x, when: false }\n  - { type: file, title: '/srv/${each}', for_each: '[]' }\n";
  t.same(expectOk(t, await compileFiles(t, site({ base }))).body.resources, []);
});

// Within a for_each only `each` changes, so the compiler evaluates an expression that does not read it once per
// declaration; these pin that the sharing changes nothing a site can see.
t.test("for_each: expressions with and without each, shadowed each, constants given back as they are", async (t) => {
  const base = `params:
  ports: { type: list, of: number, default: [80, 443] }
  sites: { type: list, of: map, default: [{ name: a, port: 1 }, { name: b, port: 2 }] }
resources:
  - type: file
    for_each: params.sites
    title: /srv/\${node.name}/\${each.name}
    content: "\${facts.os.family} \${each.port} \${params.sites.filter(each, each.port > 1).size()} \${each}"
    when: 'facts.os.family == "debian" && params.sites.exists(each, each.name == "b")'
  - type: file
    for_each: params.ports
    title: /srv/port-\${each}
    content: "\${each} \${params.ports} \${params.sites[1]}"
`;
  const { body } = expectOk(t, await compileFiles(t, site({ base }), "web-01", facts));
  t.same(
    body.resources.map((r) => [r.title, r.properties.content]),
    [
      ["/srv/web-01/a", 'debian 1 1 {"name":"a","port":1}'],
      ["/srv/web-01/b", 'debian 2 1 {"name":"b","port":2}'],
      ["/srv/port-80", '80 [80,443] {"name":"b","port":2}'],
      ["/srv/port-443", '443 [80,443] {"name":"b","port":2}'],
    ],
  );
});

t.test("for_each: a failing expression that does not read each is reported once, at its place", async (t) => {
  const base = `resources:
  - type: file
    for_each: "[1, 2, 3]"
    title: /srv/\${each}
    content: "\${facts.nope} \${each}"
`;
  const result = await compileFiles(t, site({ base }), "web-01", facts);
  t.notOk(result.ok);
  if (!result.ok) {
    t.equal(result.problems.length, 1);
    t.match(result.problems[0], { file: "modules/base/module.yaml", line: 5, message: /\$\{facts\.nope\}/ });
  }
});
