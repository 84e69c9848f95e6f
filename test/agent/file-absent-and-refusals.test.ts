import t from "tap";
import { lstat, readFile, symlink } from "node:fs/promises";
import { join } from "node:path";
import { EventResult } from "../../proto/gen/ancla/v1/agent_pb.js";
import { eventResultWords } from "../../proto/report-words.js";
import { apply, catalogOf, file } from "./_helpers.js";

t.test("ensure absent removes a file, a link and an empty directory", async (t) => {
  const root = t.testdir({ f: "x", empty: {}, target: "keep" });
  await symlink(join(root, "target"), join(root, "link"));
  const outcome = await apply(catalogOf(["f", "empty", "link"].map((n) => file(join(root, n), { ensure: "absent" }))));
  t.same(
    outcome.events.map((e) => [e.property, e.desired, e.actual]),
    [
      ["ensure", '"absent"', '"file"'],
      ["ensure", '"absent"', '"directory"'],
      ["ensure", '"absent"', '"link"'],
    ],
  );
  for (const n of ["f", "empty", "link"]) await t.rejects(lstat(join(root, n)), { code: "ENOENT" });
  t.equal(await readFile(join(root, "target"), "utf8"), "keep", "the link's target is untouched");
});

t.test("ensure absent refuses a directory that is not empty", async (t) => {
  const root = t.testdir({ full: { inside: "x" } });
  const outcome = await apply(catalogOf([file(join(root, "full"), { ensure: "absent" })]));
  t.match(outcome.events, [{ property: "ensure", result: EventResult.FAILED, message: /is a directory that is not empty/ }]);
  t.equal(await readFile(join(root, "full/inside"), "utf8"), "x");
});

t.test("a symlink is replaced by a file, not written through", async (t) => {
  const root = t.testdir({ target: "keep" });
  await symlink(join(root, "target"), join(root, "link"));
  const outcome = await apply(catalogOf([file(join(root, "link"), { content: "own" })]));
  t.match(outcome.events, [{ property: "ensure", desired: '"file"', actual: '"link"', result: EventResult.CHANGED }]);
  t.ok((await lstat(join(root, "link"))).isFile());
  t.equal(await readFile(join(root, "target"), "utf8"), "keep");
});

t.test("ensure file refuses to replace a directory, and directory a file", async (t) => {
  const root = t.testdir({ dir: {}, plain: "x" });
  const outcome = await apply(catalogOf([file(join(root, "dir"), { content: "x" }), file(join(root, "plain"), { ensure: "directory" })]));
  t.match(outcome.events, [
    { result: EventResult.FAILED, message: /dir is a directory; ensure "file" does not replace it/ },
    { result: EventResult.FAILED, message: /plain exists as a file; ensure "directory" does not replace it/ },
  ]);
});

t.test("bad properties are refused with the property named", async (t) => {
  const outcome = await apply(
    catalogOf([
      file("relative/path", { content: "x" }),
      file("/tmp/../etc/x", {}),
      file("/tmp/ancla-x", { mode: 644 }),
      file("/tmp/ancla-y", { ensure: "link" }),
      file("/tmp/ancla-z", { source: "files/x" }),
      file("/tmp/ancla-w", { content: "a", content_sha256: "b" }),
    ]),
  );
  t.same(
    outcome.events.map((e) => [e.property, eventResultWords.word(e.result)]),
    [
      ["", "failed"],
      ["", "failed"],
      ["mode", "failed"],
      ["target", "failed"],
      ["source", "failed"],
      ["content", "failed"],
    ],
  );
  t.match(outcome.events[0].message, "must be an absolute path");
  t.match(outcome.events[1].message, 'write "/etc/x"');
  t.match(outcome.events[3].message, 'ensure "link" needs target');
});
