// The demo site shipped in examples/site compiles to the catalog the demo relies on.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import t from "tap";
import { sha256Hex } from "../../catalog/canonical.js";
import { createMinimalCompiler } from "../../catalog/minimal/compiler.js";
import { expectOk } from "./_helpers.js";

const siteDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../examples/site");
const compiler = createMinimalCompiler(siteDir);

t.test("demo-01 gets base and demo, with paths under its own directory", async (t) => {
  const { body, contents } = expectOk(t, await compiler.compile("demo-01", {}));
  const root = "/var/tmp/ancla-demo/demo-01";
  const html = new Uint8Array(readFileSync(path.join(siteDir, "modules/demo/files/index.html")));
  t.equal(body.certname, "demo-01");
  t.equal(body.siteVersion, await compiler.siteVersion());
  t.same(
    body.resources.map((r) => [r.title, r.properties]),
    [
      ["/var/tmp/ancla-demo", { ensure: "directory" }],
      [root, { ensure: "directory", mode: "0755" }],
      [`${root}/etc`, { ensure: "directory", mode: "0755" }],
      [`${root}/etc/motd`, { ensure: "file", mode: "0644", content: "Welcome to demo-01.\nThis host is managed by Ancla; local changes will be reverted.\n" }],
      [`${root}/app`, { ensure: "directory", mode: "0755" }],
      [`${root}/app/config.ini`, { ensure: "file", mode: "0640", content: "[server]\nname = demo-01\nport = 8080\nworkers = 2\n" }],
      [`${root}/app/index.html`, { ensure: "file", mode: "0644", content_sha256: sha256Hex(html) }],
      [`${root}/app/VERSION`, { ensure: "file", mode: "0644", content: "1.4.2\n" }],
      [`${root}/app/cache`, { ensure: "directory", mode: "0700" }],
      [`${root}/app/cache/README`, { ensure: "file", content: "Scratch space for the demo application. Safe to empty.\n" }],
      [`${root}/app/legacy.conf`, { ensure: "absent" }],
    ],
  );
  t.ok(body.resources.every((r) => r.type === "file"));
  const f = (p: string): string => `file:${p}`;
  t.same(body.edges, [
    { from: f("/var/tmp/ancla-demo"), to: f(root), kind: "require" },
    { from: f(root), to: f(`${root}/etc`), kind: "require" },
    { from: f(`${root}/etc`), to: f(`${root}/etc/motd`), kind: "require" },
    { from: f(root), to: f(`${root}/app`), kind: "require" },
    { from: f(`${root}/app`), to: f(`${root}/app/config.ini`), kind: "require" },
    { from: f(`${root}/app`), to: f(`${root}/app/index.html`), kind: "require" },
    { from: f(`${root}/app`), to: f(`${root}/app/VERSION`), kind: "require" },
    { from: f(`${root}/app`), to: f(`${root}/app/cache`), kind: "require" },
    { from: f(`${root}/app/cache`), to: f(`${root}/app/cache/README`), kind: "require" },
  ]);
  t.same([...contents.entries()], [[sha256Hex(html), html]]);
});

t.test("a node outside demo-* gets only base", async (t) => {
  const { body } = expectOk(t, await compiler.compile("web-01", {}));
  t.same(
    body.resources.map((r) => r.title),
    ["/var/tmp/ancla-demo", "/var/tmp/ancla-demo/web-01", "/var/tmp/ancla-demo/web-01/etc", "/var/tmp/ancla-demo/web-01/etc/motd"],
  );
  t.equal(body.edges.length, 3);
});
