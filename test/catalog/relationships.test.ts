// require/before/notify/subscribe become catalog edges: `from` is applied
// first; notify and subscribe also refresh. A single string or a list, with
// interpolation; repeats collapse.
import t from "tap";
import { compileFiles, expectOk, site } from "./_helpers.js";

t.test("each relationship becomes its edge", async (t) => {
  const base = `resources:
  - type: package
    title: nginx
    before: file:/etc/nginx/nginx.conf
  - type: file
    title: /etc/nginx/nginx.conf
    require: [package:nginx, package:nginx]
    notify: service:nginx
  - type: service
    title: nginx
  - type: exec
    title: reload-\${node.name}
    command: /bin/true
    subscribe: ["file:/etc/nginx/nginx.conf"]
    require: "service:\${'nginx'}"
`;
  const { body } = expectOk(t, await compileFiles(t, site({ base })));
  t.same(body.edges, [
    { from: "package:nginx", to: "file:/etc/nginx/nginx.conf", kind: "require" },
    { from: "file:/etc/nginx/nginx.conf", to: "service:nginx", kind: "notify" },
    { from: "service:nginx", to: "exec:reload-web-01", kind: "require" },
    { from: "file:/etc/nginx/nginx.conf", to: "exec:reload-web-01", kind: "notify" },
  ]);
});

t.test("resources keep declaration order, modules in classification order", async (t) => {
  const files = site(
    { a: "resources:\n  - { type: group, title: a1 }\n  - { type: group, title: a2 }\n", b: "resources:\n  - { type: group, title: b1 }\n" },
    'nodes:\n  - match: "*"\n    modules: [b]\n  - match: "web-*"\n    modules: [a, b]\n',
  );
  t.same(
    expectOk(t, await compileFiles(t, files)).body.resources.map((r) => r.title),
    ["b1", "a1", "a2"],
  );
});
