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
