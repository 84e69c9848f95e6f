import t from "tap";
import { chmod } from "node:fs/promises";
import { join } from "node:path";
import { ReportStatus } from "../../proto/gen/ancla/v1/agent_pb.js";
import { apply, catalogOf, file, snapshot, summary } from "./_helpers.js";

t.test("a noop run reports what would change and changes nothing", async (t) => {
  const root = t.testdir({ existing: "old\n", doomed: "bye\n", sub: { keep: "k" } });
  await chmod(join(root, "existing"), 0o600);
  const catalog = catalogOf([
    file(join(root, "newdir"), { ensure: "directory" }),
    file(join(root, "newdir/child"), { content: "c\n" }),
    file(join(root, "existing"), { content: "new\n", mode: "0644", owner: "nobody" }),
    file(join(root, "doomed"), { ensure: "absent" }),
  ]);
  const memory = { "file:/somewhere/else": "f".repeat(64) };
  const before = await snapshot(root);

  const outcome = await apply(catalog, { noop: true, memory });

  t.same(await snapshot(root), before, "the tree is byte for byte the same");
  t.equal(outcome.status, ReportStatus.NOOP);
  t.same(outcome.memory, memory, "memory is untouched by a noop run");
  t.same(
    summary(outcome).map((e) => [e.resource.slice(root.length + 5), e.property, e.result]),
    [
      ["/newdir", "ensure", "noop"],
      ["/newdir/child", "ensure", "noop"],
      ["/existing", "content", "noop"],
      ["/existing", "mode", "noop"],
      ["/existing", "owner", "noop"],
      ["/doomed", "ensure", "noop"],
    ],
  );
  t.match(outcome.counts, { total: 4, changed: 0, failed: 0, skipped: 0 });
});

t.test("a resource flagged noop is only reported, in a real run", async (t) => {
  const root = t.testdir({});
  const outcome = await apply(catalogOf([file(join(root, "a"), { content: "a" }, { noop: true }), file(join(root, "b"), { content: "b" })]));
  t.same(Object.keys(await snapshot(root)), ["b"], "only b was written");
  t.same(
    summary(outcome).map((e) => e.result),
    ["noop", "changed"],
  );
  t.equal(outcome.status, ReportStatus.CHANGED);
  t.same(Object.keys(outcome.memory), [`file:${join(root, "b")}`], "the pending resource is not remembered as in sync");
});

t.test("a real run whose only pending changes are noop-flagged reports noop", async (t) => {
  const root = t.testdir({});
  const outcome = await apply(catalogOf([file(join(root, "a"), { content: "a" }, { noop: true })]));
  t.equal(outcome.status, ReportStatus.NOOP);
  t.same(await snapshot(root), {});
});
