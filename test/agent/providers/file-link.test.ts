// ensure "link": created, retargeted and replacing a file atomically, owned as
// asked (the link itself), reported the same in noop, directories refused.
import t from "tap";
import { lstat, mkdir, readdir, readFile, readlink, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ContentBucket } from "../../../agent/state/bucket.js";
import { TEMP_PREFIX } from "../../../agent/state/atomic-write.js";
import { loadIdTable, resolveId } from "../../../agent/providers/ids.js";
import { sha256Hex } from "../../../catalog/canonical.js";
import { apply, catalogOf, file, snapshot } from "../_helpers.js";
import { EventResult, ReportStatus } from "../../../proto/gen/ancla/v1/agent_pb.js";
import { eventResultWords } from "../../../proto/report-words.js";

const link = (path: string, target: string, extra = {}) => file(path, { ensure: "link", target, ...extra });

t.test("a missing link is created, then in sync", async (t) => {
  const root = t.testdir({ a: "A" });
  const catalog = catalogOf([link(join(root, "l"), join(root, "a"))]);
  const first = await apply(catalog);
  t.same(
    first.events.map((e) => [e.property, e.desired, e.actual, eventResultWords.word(e.result)]),
    [["ensure", '"link"', '"absent"', "changed"]],
  );
  t.equal(await readlink(join(root, "l")), join(root, "a"));
  t.equal(await readFile(join(root, "l"), "utf8"), "A", "it points where it should");
  const second = await apply(catalog);
  t.equal(second.status, ReportStatus.UNCHANGED);
  t.same(second.events, []);
});

t.test("a link to elsewhere is retargeted in place, leaving no temporary link", async (t) => {
  const root = t.testdir({ a: "A", b: "B" });
  await symlink(join(root, "a"), join(root, "l"));
  const outcome = await apply(catalogOf([link(join(root, "l"), join(root, "b"))]));
  t.same(
    outcome.events.map((e) => [e.property, e.desired, e.actual, e.corrective]),
    [["target", JSON.stringify(join(root, "b")), JSON.stringify(join(root, "a")), false]],
  );
  t.equal(await readlink(join(root, "l")), join(root, "b"));
  t.same(
    (await readdir(root)).filter((n) => n.startsWith(TEMP_PREFIX)),
    [],
  );
  t.equal(await readFile(join(root, "a"), "utf8"), "A", "the old target is untouched");
});

t.test("a link may point at nothing (a dangling target is the site's business)", async (t) => {
  const root = t.testdir({});
  await apply(catalogOf([link(join(root, "l"), "/nonexistent/ancla/target")]));
  t.equal(await readlink(join(root, "l")), "/nonexistent/ancla/target");
});

t.test("a file in the way is replaced by the link, its content kept in the bucket", async (t) => {
  const root = t.testdir({ a: "A", l: "was a file\n", state: {} });
  const bucket = new ContentBucket(join(root, "state/bucket"));
  const outcome = await apply(catalogOf([link(join(root, "l"), join(root, "a"))]), { bucket });
  t.same(
    outcome.events.map((e) => [e.property, e.desired, e.actual]),
    [["ensure", '"link"', '"file"']],
  );
  t.ok((await lstat(join(root, "l"))).isSymbolicLink());
  t.equal(await readFile(bucket.pathOf(sha256Hex("was a file\n")), "utf8"), "was a file\n");
});

t.test("a directory in the way is refused (there is no force), and left alone", async (t) => {
  const root = t.testdir({ a: "A", d: { inside: "x" }, e: {} });
  const outcome = await apply(catalogOf([link(join(root, "d"), join(root, "a")), link(join(root, "e"), join(root, "a"))]));
  t.match(outcome.events, [
    { property: "ensure", result: EventResult.FAILED, message: /d is a directory; ensure "link" does not replace a directory/ },
    { property: "ensure", result: EventResult.FAILED, message: /e is a directory/ },
  ]);
  t.ok((await lstat(join(root, "e"))).isDirectory(), "not even an empty one");
  t.equal(await readFile(join(root, "d/inside"), "utf8"), "x");
});

t.test("noop reports creation, retargeting and replacement and changes nothing", async (t) => {
  const root = t.testdir({ a: "A", b: "B", f: "file" });
  await symlink(join(root, "a"), join(root, "old"));
  const before = await snapshot(root);
  const catalog = catalogOf([link(join(root, "new"), join(root, "a")), link(join(root, "old"), join(root, "b")), link(join(root, "f"), join(root, "a"))]);
  const noop = await apply(catalog, { noop: true });
  t.equal(noop.status, ReportStatus.NOOP);
  t.same(
    noop.events.map((e) => [e.property, eventResultWords.word(e.result)]),
    [
      ["ensure", "noop"],
      ["target", "noop"],
      ["ensure", "noop"],
    ],
  );
  t.same(await snapshot(root), before);
  const real = await apply(catalog);
  t.same(
    real.events.map((e) => [e.property, e.desired, e.actual]),
    noop.events.map((e) => [e.property, e.desired, e.actual]),
    "a real run does what noop said",
  );
});

const notRoot = process.getuid?.() !== 0 && "changing a link's owner needs root";

t.test("owner and group apply to the link itself, not its target", { skip: notRoot }, async (t) => {
  const nobody = resolveId(await loadIdTable("user"), "nobody");
  const nogroup = resolveId(await loadIdTable("group"), "nogroup");
  if (nobody === undefined || nogroup === undefined) throw new Error("this test needs the nobody user and the nogroup group");
  const root = t.testdir({ a: "A", b: "B" });
  await symlink(join(root, "a"), join(root, "existing"));
  const outcome = await apply(catalogOf([link(join(root, "new"), join(root, "a"), { owner: "nobody", group: "nogroup" }), link(join(root, "existing"), join(root, "a"), { owner: "nobody" })]));
  t.same(
    outcome.events.map((e) => [e.resource, e.property, e.desired, e.actual]),
    [
      [`file:${join(root, "new")}`, "ensure", '"link"', '"absent"'],
      [`file:${join(root, "existing")}`, "owner", '"nobody"', '"root"'],
    ],
  );
  for (const name of ["new", "existing"]) t.equal((await lstat(join(root, name))).uid, nobody, `${name} is owned by nobody`);
  t.equal((await lstat(join(root, "new"))).gid, nogroup);
  t.equal((await lstat(join(root, "a"))).uid, 0, "the target keeps its owner");

  // Retargeting keeps the old link's owner when the catalog does not manage it.
  await apply(catalogOf([link(join(root, "existing"), join(root, "b"))]));
  t.equal((await lstat(join(root, "existing"))).uid, nobody);
  t.equal((await apply(catalogOf([link(join(root, "new"), join(root, "a"), { owner: "nobody", group: "nogroup" })]))).status, ReportStatus.UNCHANGED);
});

t.test("mode is refused on a link, and target elsewhere", async (t) => {
  const root = t.testdir({ a: "A" });
  await mkdir(join(root, "d"));
  await writeFile(join(root, "f"), "x");
  const outcome = await apply(
    catalogOf([
      link(join(root, "l1"), join(root, "a"), { mode: "0777" }),
      file(join(root, "f"), { target: join(root, "a") }),
      link(join(root, "l2"), "relative/target"),
      file(join(root, "d"), { ensure: "directory", purge: "yes" }),
    ]),
  );
  t.same(
    outcome.events.map((e) => [e.property, eventResultWords.word(e.result)]),
    [
      ["mode", "failed"],
      ["target", "failed"],
      ["target", "failed"],
      ["purge", "failed"],
    ],
  );
  t.match(outcome.events[0].message, "a symlink has no mode of its own");
  t.match(outcome.events[1].message, 'target only applies to ensure "link", not "file"');
  t.match(outcome.events[2].message, "target must be an absolute path");
});

t.test("a link whose parent directory is missing fails with a hint", async (t) => {
  const root = t.testdir({});
  const outcome = await apply(catalogOf([link(join(root, "missing/l"), "/etc/hostname")]));
  t.match(outcome.events, [{ result: EventResult.FAILED, message: /parent directory .* does not exist/ }]);
});
