import t from "tap";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { buildGraph } from "../../agent/engine/graph.js";
import { fileProvider } from "../../agent/providers/file.js";
import { ReportStatus } from "../../proto/gen/ancla/v1/agent_pb.js";
import { apply, catalogOf, file } from "./_helpers.js";

const autorequire = (r: Parameters<NonNullable<typeof fileProvider.autorequire>>[0], isManaged: (ref: string) => boolean) => fileProvider.autorequire!(r, isManaged);

t.test("a file declared before its parent directory still applies after it", async (t) => {
  const root = t.testdir({});
  const outcome = await apply(catalogOf([file(join(root, "a/b/c.txt"), { content: "deep" }), file(join(root, "a/b"), { ensure: "directory" }), file(join(root, "a"), { ensure: "directory" })]));
  t.equal(outcome.status, ReportStatus.CHANGED);
  t.same(
    outcome.events.map((e) => e.resource.slice(root.length + 5)),
    ["/a", "/a/b", "/a/b/c.txt"],
  );
  t.ok((await stat(join(root, "a/b/c.txt"))).isFile());
});

t.test("order is declaration order unless edges say otherwise, and stable", (t) => {
  const rs = ["one", "two", "three", "four"].map((n) => ({ type: "x", title: n, properties: {} }));
  const order = (edges: Parameters<typeof buildGraph>[1]) => buildGraph(rs, edges, () => []).order.map((n) => n.ref);
  t.same(order([]), ["x:one", "x:two", "x:three", "x:four"]);
  t.same(order([{ from: "x:four", to: "x:two", kind: "require" }]), ["x:one", "x:three", "x:four", "x:two"]);
  t.same(order([{ from: "x:three", to: "x:one", kind: "notify" }]), ["x:two", "x:three", "x:one", "x:four"]);
  t.end();
});

t.test("autorequire picks the nearest managed ancestor only", (t) => {
  const rs = [file("/srv/a/b/c"), file("/srv"), file("/srv/a")];
  const graph = buildGraph(rs, [], autorequire);
  t.same(
    graph.order.map((n) => n.ref),
    ["file:/srv", "file:/srv/a", "file:/srv/a/b/c"],
  );
  t.same(graph.order[2].requires, [{ ref: "file:/srv/a", kind: "autorequire" }]);
  t.end();
});

t.test("a file whose parent is neither present nor managed fails clearly", async (t) => {
  const path = join(t.testdir({}), "missing/child");
  const outcome = await apply(catalogOf([file(path, { content: "x" })]));
  t.equal(outcome.status, ReportStatus.FAILED);
  t.match(outcome.events[0].message, /parent directory .*missing does not exist/);
});
