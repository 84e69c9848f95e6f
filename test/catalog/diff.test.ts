// The catalog diff: resources matched by type:title, properties compared one by
// one, content by digest (with a text diff when inline), edges by (kind, from, to),
// and sensitive values never shown.
import t from "tap";
import { sha256Hex } from "../../catalog/canonical.js";
import { diffCatalogs, formatCatalogDiff, isEmptyDiff, REDACTED, summarizeDiff } from "../../catalog/diff.js";
import { unifiedDiff } from "../../catalog/diff/lines.js";
import type { CatalogBody, Edge, Resource } from "../../catalog/model.js";

const body = (resources: Resource[], edges: Edge[] = []): CatalogBody => ({ certname: "web-01", siteVersion: "v1", resources, edges });
const file = (title: string, properties: Resource["properties"], flags: Partial<Resource> = {}): Resource => ({ type: "file", title, properties: { ensure: "file", ...properties }, ...flags });
const pkg: Resource = { type: "package", title: "nginx", properties: { ensure: "installed" } };

t.test("equal catalogs have no differences, whatever the order and site version", async (t) => {
  const a = body([pkg, file("/etc/motd", { content: "hi\n" })]);
  const b = { ...body([file("/etc/motd", { content: "hi\n" }), pkg]), siteVersion: "v2" };
  const d = diffCatalogs(a, b);
  t.ok(isEmptyDiff(d));
  t.equal(summarizeDiff(d), "no differences");
  t.equal(formatCatalogDiff(d), "");
});

t.test("added and removed resources", async (t) => {
  const d = diffCatalogs(body([pkg]), body([file("/etc/motd", { mode: "0644" })]));
  t.same(d.added, [{ ref: "file:/etc/motd", type: "file", title: "/etc/motd", properties: { ensure: "file", mode: "0644" } }]);
  t.same(
    d.removed.map((r) => r.ref),
    ["package:nginx"],
  );
  t.same(d.changed, []);
  t.equal(summarizeDiff(d), "1 added, 1 removed");
  t.equal(formatCatalogDiff(d), "+ file:/etc/motd  ensure=file mode=0644\n- package:nginx\n");
});

t.test("an undefined side is an empty catalog", async (t) => {
  t.same(
    diffCatalogs(undefined, body([pkg])).added.map((r) => r.ref),
    ["package:nginx"],
  );
  t.same(
    diffCatalogs(body([pkg]), undefined).removed.map((r) => r.ref),
    ["package:nginx"],
  );
  t.ok(isEmptyDiff(diffCatalogs(undefined, undefined)));
});

t.test("changed properties, set and unset ones, and flags", async (t) => {
  const before = file("/etc/app.conf", { mode: "0644", owner: "root" });
  const after = file("/etc/app.conf", { mode: "0600", group: "app" }, { noop: true });
  const d = diffCatalogs(body([before]), body([after]));
  t.same(d.changed, [
    {
      ref: "file:/etc/app.conf",
      type: "file",
      title: "/etc/app.conf",
      changes: [
        { property: "group", after: "app" },
        { property: "mode", before: "0644", after: "0600" },
        { property: "noop", after: true },
        { property: "owner", before: "root" },
      ],
    },
  ]);
  t.match(formatCatalogDiff(d), /^~ file:\/etc\/app\.conf\n {4}group: \(unset\) → app\n {4}mode: 0644 → 0600\n/);
});

t.test("structured values compare by content, not key order", async (t) => {
  const a: Resource = { type: "exec", title: "x", properties: { command: "true", environment: { A: "1", B: "2" } } };
  const b: Resource = { type: "exec", title: "x", properties: { environment: { B: "2", A: "1" }, command: "true" } };
  t.ok(isEmptyDiff(diffCatalogs(body([a]), body([b]))));
  const c: Resource = { ...b, properties: { ...b.properties, environment: { A: "1", B: "3" } } };
  t.same(diffCatalogs(body([a]), body([c])).changed[0].changes, [{ property: "environment", before: { A: "1", B: "2" }, after: { A: "1", B: "3" } }]);
});

t.test("inline content: digests and a unified diff of the text", async (t) => {
  const oldText = "worker_processes 2;\nevents {}\nhttp {}\n";
  const newText = "worker_processes 8;\nevents {}\nhttp {}\n";
  const d = diffCatalogs(body([file("/etc/nginx/nginx.conf", { content: oldText })]), body([file("/etc/nginx/nginx.conf", { content: newText })]));
  const [change] = d.changed[0].changes;
  t.same(change, {
    property: "content",
    before: `sha256:${sha256Hex(oldText)}`,
    after: `sha256:${sha256Hex(newText)}`,
    diff: "@@ -1,3 +1,3 @@\n-worker_processes 2;\n+worker_processes 8;\n events {}\n http {}\n",
  });
  t.match(formatCatalogDiff(d), /\n {6}-worker_processes 2;\n {6}\+worker_processes 8;\n/);
});

t.test("content by digest and inline content are compared by digest", async (t) => {
  const text = "big enough to travel by digest\n";
  const inline = file("/srv/a", { content: text });
  const byDigest = file("/srv/a", { content_sha256: sha256Hex(text) });
  t.ok(isEmptyDiff(diffCatalogs(body([inline]), body([byDigest]))), "crossing the inline threshold is not a change");
  const other = file("/srv/a", { content_sha256: "ab".repeat(32) });
  t.same(diffCatalogs(body([inline]), body([other])).changed[0].changes, [{ property: "content", before: `sha256:${sha256Hex(text)}`, after: `sha256:${"ab".repeat(32)}` }]);
});

t.test("sensitive resources never show a value, not even a digest", async (t) => {
  const secret = (content: string, sensitive = true) => file("/etc/app/secret", { content, mode: "0600" }, { sensitive });
  const changed = diffCatalogs(body([secret("password=old\n")]), body([secret("password=new\n")]));
  t.same(changed.changed[0].changes, [{ property: "content", before: REDACTED, after: REDACTED }]);
  const added = diffCatalogs(body([]), body([secret("password=new\n")]));
  t.same(added.added[0].properties, { ensure: REDACTED, content: REDACTED, mode: REDACTED, sensitive: true });
  const removed = diffCatalogs(body([secret("password=old\n")]), body([]));
  t.same(removed.removed[0].properties.content, REDACTED);
  // Becoming sensitive redacts the old value too: it was the same secret.
  const became = diffCatalogs(body([secret("password=old\n", false)]), body([secret("password=new\n")]));
  t.same(became.changed[0].changes, [
    { property: "content", before: REDACTED, after: REDACTED },
    { property: "sensitive", after: true },
  ]);
  for (const d of [changed, added, removed, became]) {
    const shown = JSON.stringify(d) + formatCatalogDiff(d);
    t.notMatch(shown, /password|old|new\\n/, "no trace of the value");
    t.notMatch(shown, new RegExp(sha256Hex("password=new\n")), "no digest of it");
  }
});

t.test("edges added and removed, by kind, from and to", async (t) => {
  const conf = file("/etc/nginx/nginx.conf", {});
  const svc: Resource = { type: "service", title: "nginx", properties: { ensure: "running" } };
  const require: Edge = { from: "package:nginx", to: "file:/etc/nginx/nginx.conf", kind: "require" };
  const notify: Edge = { from: "file:/etc/nginx/nginx.conf", to: "service:nginx", kind: "notify" };
  const asRequire: Edge = { ...notify, kind: "require" };
  const d = diffCatalogs(body([pkg, conf, svc], [require, asRequire]), body([pkg, conf, svc], [require, notify]));
  t.same(d.edges, { added: [notify], removed: [asRequire] });
  t.same([d.added, d.removed, d.changed], [[], [], []]);
  t.equal(summarizeDiff(d), "1 edge added, 1 edge removed");
  t.equal(formatCatalogDiff(d, "  "), "  + edge file:/etc/nginx/nginx.conf → service:nginx (notify)\n  - edge file:/etc/nginx/nginx.conf → service:nginx (require)\n");
});

t.test("unified diff: hunks, context, line numbers and the missing final newline", async (t) => {
  t.equal(unifiedDiff("a\n", "a\n"), "");
  const lines = (n: number, change: Record<number, string> = {}) => Array.from({ length: n }, (_, i) => `${change[i + 1] ?? `line ${i + 1}`}\n`).join("");
  // Two changes far apart: two hunks with three lines of context each.
  t.equal(
    unifiedDiff(lines(20), lines(20, { 2: "TWO", 18: "EIGHTEEN" })),
    [
      "@@ -1,5 +1,5 @@",
      " line 1",
      "-line 2",
      "+TWO",
      " line 3",
      " line 4",
      " line 5",
      "@@ -15,6 +15,6 @@",
      " line 15",
      " line 16",
      " line 17",
      "-line 18",
      "+EIGHTEEN",
      " line 19",
      " line 20",
      "",
    ].join("\n"),
  );
  t.equal(unifiedDiff("", "new\n"), "@@ -0,0 +1,1 @@\n+new\n");
  t.equal(unifiedDiff("x\ny\n", "x\n"), "@@ -1,2 +1,1 @@\n x\n-y\n");
  t.equal(unifiedDiff("a\nb", "a\nb\n"), "@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n");
  // An insertion in the middle is an insertion, not a rewrite of everything after it.
  t.equal(unifiedDiff("a\nb\nc\nd\n", "a\nb\nX\nc\nd\n"), "@@ -1,4 +1,5 @@\n a\n b\n+X\n c\n d\n");
  t.equal(unifiedDiff("a\nb\nc\n", "c\na\nb\n"), "@@ -1,3 +1,3 @@\n+c\n a\n b\n-c\n");
});
