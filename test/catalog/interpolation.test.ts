// `${node.name}` becomes the certname in every string value; any other `${...}` is a located problem.
import t from "tap";
import { compileFiles, expectOk, problemLines, site } from "./_helpers.js";

t.test("${node.name} is replaced in titles, content, owner, group and references", async (t) => {
  const files = site({
    base: `resources:
  - type: file
    title: /srv/\${node.name}
    ensure: directory
  - type: file
    title: "/srv/\${node.name}/hello-\${ node.name }.txt"
    content: |
      host=\${node.name}
    owner: "\${node.name}"
    group: "g-\${node.name}"
    require: ["file:/srv/\${node.name}"]
`,
  });
  const { body } = expectOk(t, await compileFiles(t, files, "web-01"));
  t.same(body.resources[1], {
    type: "file",
    title: "/srv/web-01/hello-web-01.txt",
    properties: { ensure: "file", content: "host=web-01\n", owner: "web-01", group: "g-web-01" },
  });
  t.same(body.edges, [{ from: "file:/srv/web-01", to: "file:/srv/web-01/hello-web-01.txt", kind: "require" }]);
});

t.test("any other expression is reported at the expression itself", async (t) => {
  const files = site({
    base: `resources:
  - type: file
    title: /srv/\${facts.hostname}
  - type: file
    title: /srv/b
    content: |
      first line
      name=\${node.name} os=\${facts.os.family} \${params.x}
`,
  });
  t.same(problemLines(await compileFiles(t, files)), [
    "modules/base/module.yaml:3:17: `${facts.hostname}`: only ${node.name} is supported by this compiler",
    "modules/base/module.yaml:8:28: `${facts.os.family}`: only ${node.name} is supported by this compiler",
    "modules/base/module.yaml:8:47: `${params.x}`: only ${node.name} is supported by this compiler",
  ]);
});

t.test("an unterminated ${ is reported", async (t) => {
  const files = site({ base: `resources:\n  - type: file\n    title: /srv/a\n    content: "x \${node.name"\n` });
  t.same(problemLines(await compileFiles(t, files)), ["modules/base/module.yaml:4:17: `${` is not closed by `}`"]);
});

t.test("a certname cannot climb out of the directory its title puts it in", async (t) => {
  // Globs never match "..", so only a rule naming it literally gets this far.
  const files = site({ base: `resources:\n  - type: file\n    title: /srv/\${node.name}/x\n` }, 'nodes:\n  - match: ".."\n    modules: [base]\n');
  t.same(problemLines(await compileFiles(t, files, "..")), [
    'modules/base/module.yaml:3:12: a file title must be a normalised absolute path, not "/srv/../x"',
  ]);
});
