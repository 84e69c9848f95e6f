import t from "tap";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { EventResult, ReportStatus } from "../../proto/gen/ancla/v1/agent_pb.js";
import { eventResultWords } from "../../proto/report-words.js";
import { apply, catalogOf, file } from "./_helpers.js";

t.test("a failure skips its dependents, directly and transitively, and nothing else", async (t) => {
  const root = t.testdir({});
  const bad = join(root, "bad");
  const outcome = await apply(
    catalogOf(
      [
        file(bad, { ensure: "directory", owner: "no-such-user-ancla" }),
        file(join(bad, "child"), { content: "x" }), // autorequires bad
        file(join(root, "needs-bad"), { content: "y" }), // requires bad
        file(join(root, "needs-needs-bad"), { content: "z" }), // requires needs-bad
        file(join(root, "independent"), { content: "i" }),
      ],
      [
        { from: `file:${bad}`, to: `file:${join(root, "needs-bad")}`, kind: "require" },
        { from: `file:${join(root, "needs-bad")}`, to: `file:${join(root, "needs-needs-bad")}`, kind: "notify" },
      ],
    ),
  );
  t.equal(outcome.status, ReportStatus.FAILED);
  t.match(outcome.counts, { total: 5, failed: 1, skipped: 3, changed: 1 });
  const byName = (name: string) => outcome.events.find((e) => e.resource === `file:${join(root, name)}`);
  t.match(byName("bad"), { result: EventResult.FAILED, property: "owner" });
  t.match(byName("bad/child"), { result: EventResult.SKIPPED, property: "", message: `skipped because file:${bad} failed` });
  t.match(byName("needs-bad"), { result: EventResult.SKIPPED, message: `skipped because file:${bad} failed` });
  t.match(byName("needs-needs-bad"), { result: EventResult.SKIPPED, message: `skipped because file:${join(root, "needs-bad")} was skipped` });
  t.match(byName("independent"), { result: EventResult.CHANGED });
  t.equal(await readFile(join(root, "independent"), "utf8"), "i");
  await t.rejects(stat(join(root, "needs-bad")), { code: "ENOENT" });
  t.equal(outcome.logs.filter((l) => l.code === "ANCLA_E_DEPENDENCY_FAILED").length, 3);
  t.equal(outcome.logs.filter((l) => l.code === "ANCLA_E_RESOURCE_FAILED").length, 1);
  t.notOk(`file:${bad}` in outcome.memory);
});

t.test("a cycle fails its members and skips what depends on them; the rest applies", async (t) => {
  const root = t.testdir({});
  const [a, b, c, d] = ["a", "b", "c", "d"].map((n) => join(root, n));
  const outcome = await apply(
    catalogOf(
      [file(a, { content: "a" }), file(b, { content: "b" }), file(c, { content: "c" }), file(d, { content: "d" })],
      [
        { from: `file:${a}`, to: `file:${b}`, kind: "require" },
        { from: `file:${b}`, to: `file:${a}`, kind: "require" },
        { from: `file:${b}`, to: `file:${c}`, kind: "require" },
      ],
    ),
  );
  t.same(
    outcome.events.map((e) => [e.resource, eventResultWords.word(e.result)]),
    [
      [`file:${a}`, "failed"],
      [`file:${b}`, "failed"],
      [`file:${c}`, "skipped"],
      [`file:${d}`, "changed"],
    ],
  );
  t.match(outcome.events[0].message, `dependency cycle among file:${a}, file:${b}`);
});

t.test("an edge to a resource not in the catalog fails the resource that has it", async (t) => {
  const path = join(t.testdir({}), "f");
  const outcome = await apply(catalogOf([file(path, { content: "x" })], [{ from: "package:nginx", to: `file:${path}`, kind: "require" }]));
  t.match(outcome.events, [{ result: EventResult.FAILED, message: "requires package:nginx, which is not in the catalog" }]);
  await t.rejects(stat(path), { code: "ENOENT" });
});

t.test("a resource type without a provider fails with a clear message", async (t) => {
  const outcome = await apply(catalogOf([{ type: "frobnicator", title: "x", properties: {} }]));
  t.match(outcome.events, [{ resource: "frobnicator:x", result: EventResult.FAILED, message: 'this agent has no provider for resource type "frobnicator"' }]);
});

t.test("a duplicate declaration fails alone; dependents follow the first one", async (t) => {
  const root = t.testdir({});
  const dir = join(root, "d");
  const z = join(root, "z");
  // The first declaration of d waits for z, so its duplicate is evaluated before it.
  const outcome = await apply(
    catalogOf(
      [file(join(dir, "f"), { content: "x" }), file(dir, { ensure: "directory" }), file(dir, { ensure: "directory" }), file(z, { content: "z" })],
      [{ from: `file:${z}`, to: `file:${dir}`, kind: "require" }],
    ),
  );
  t.same(
    outcome.events.map((e) => [e.resource, eventResultWords.word(e.result)]),
    [
      [`file:${dir}`, "failed"],
      [`file:${z}`, "changed"],
      [`file:${dir}`, "changed"],
      [`file:${join(dir, "f")}`, "changed"],
    ],
  );
  t.match(outcome.events[0].message, "is declared twice (resources #2 and #3)");
});
