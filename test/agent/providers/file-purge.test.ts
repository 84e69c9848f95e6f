// purge: true on a managed directory removes what the catalog does not manage
// beneath it, keeps managed paths and their ancestors, reports each purged path
// as its own change, changes nothing in noop and never follows a symlink.
import t, { type Test } from "tap";
import { lstat, mkdir, readFile, readdir, symlink } from "node:fs/promises";
import { join } from "node:path";
import { sha256Hex } from "../../../catalog/canonical.js";
import { ContentBucket } from "../../../agent/state/bucket.js";
import { apply, catalogOf, file, snapshot } from "../_helpers.js";
import { ReportStatus } from "../../../proto/gen/ancla/v1/agent_pb.js";
import { eventResultWords } from "../../../proto/report-words.js";

const dir = (path: string, extra = {}) => file(path, { ensure: "directory", ...extra });

/** A tree with managed and unmanaged entries at two levels. */
function tree(t: Test): string {
  return t.testdir({
    d: {
      "keep.conf": "managed\n",
      "stray.conf": "stray\n",
      junk: { "a.txt": "a", deeper: { "b.txt": "b" } },
      sub: { "managed.conf": "m", "extra.conf": "e" },
    },
  });
}

function purgeCatalog(root: string, flags: { noop?: boolean } = {}) {
  const d = join(root, "d");
  return catalogOf([
    { ...dir(d, { purge: true }), ...flags },
    file(join(d, "keep.conf"), { content: "managed\n" }),
    // d/sub is not managed itself, but is above a managed file: it stays, and is purged in turn.
    file(join(d, "sub/managed.conf"), { content: "m" }),
  ]);
}

t.test("unmanaged entries are removed, each as its own change; managed paths and their ancestors stay", async (t) => {
  const root = tree(t);
  const d = join(root, "d");
  const outcome = await apply(purgeCatalog(root));
  t.same(
    outcome.events.map((e) => [e.resource, e.property, e.desired, e.actual, eventResultWords.word(e.result)]),
    [
      [`file:${d}/junk`, "ensure", '"absent"', '"directory"', "changed"],
      [`file:${d}/stray.conf`, "ensure", '"absent"', '"file"', "changed"],
      [`file:${d}/sub/extra.conf`, "ensure", '"absent"', '"file"', "changed"],
    ],
  );
  t.equal(outcome.counts.changed, 3, "each purged path counts as a change");
  t.same((await readdir(d)).sort(), ["keep.conf", "sub"]);
  t.same(await readdir(join(d, "sub")), ["managed.conf"]);
  t.equal(await readFile(join(d, "keep.conf"), "utf8"), "managed\n");

  const again = await apply(purgeCatalog(root));
  t.equal(again.status, ReportStatus.UNCHANGED, "nothing left to purge");
  t.same(again.events, []);
});

t.test("noop lists what would be purged and removes nothing", async (t) => {
  const root = tree(t);
  const before = await snapshot(root);
  const outcome = await apply(purgeCatalog(root), { noop: true });
  t.equal(outcome.status, ReportStatus.NOOP);
  t.same(
    outcome.events.map((e) => [e.resource.slice(root.length + 5), eventResultWords.word(e.result)]),
    [
      ["/d/junk", "noop"],
      ["/d/stray.conf", "noop"],
      ["/d/sub/extra.conf", "noop"],
    ],
  );
  t.equal(outcome.counts.changed, 0);
  t.same(await snapshot(root), before);

  const flagged = await apply(purgeCatalog(root, { noop: true }));
  t.same(
    flagged.events.map((e) => eventResultWords.word(e.result)),
    ["noop", "noop", "noop"],
    "a directory flagged noop purges nothing either",
  );
  t.same(await snapshot(root), before);
});

t.test("a symlink beneath is removed as a link and never followed", async (t) => {
  const root = t.testdir({ d: {}, outside: { "precious.txt": "keep me", sub: { "more.txt": "too" } } });
  const d = join(root, "d");
  await symlink(join(root, "outside"), join(d, "escape"));
  await symlink(join(root, "outside/precious.txt"), join(d, "file-link"));
  // A managed path reached through a link: the link is its ancestor, so it stays, but the walk does not enter it.
  await symlink(join(root, "outside"), join(d, "via"));
  await mkdir(join(d, "real"));
  await symlink(join(root, "outside/sub"), join(d, "real/inner"));
  const outside = await snapshot(join(root, "outside"));

  const outcome = await apply(catalogOf([dir(d, { purge: true }), file(join(d, "via/precious.txt"), { content: "keep me" })]));
  t.same(
    outcome.events.map((e) => [e.resource.slice(d.length + 6), e.actual]),
    [
      ["escape", '"link"'],
      ["file-link", '"link"'],
      ["real", '"directory"'],
    ],
  );
  t.same((await readdir(d)).sort(), ["via"]);
  t.ok((await lstat(join(d, "via"))).isSymbolicLink());
  t.same(await snapshot(join(root, "outside")), outside, "nothing the links pointed at was touched");
  t.equal(await readFile(join(root, "outside/sub/more.txt"), "utf8"), "too", "removing a directory holding a link leaves the link's target alone");
});

t.test("a directory made in this run has nothing to purge; purge: false purges nothing", async (t) => {
  const root = t.testdir({ kept: { stray: "x" } });
  const outcome = await apply(catalogOf([dir(join(root, "new"), { purge: true }), dir(join(root, "kept"), { purge: false })]));
  t.same(
    outcome.events.map((e) => [e.resource, e.property]),
    [[`file:${join(root, "new")}`, "ensure"]],
  );
  t.equal(await readFile(join(root, "kept/stray"), "utf8"), "x");
});

t.test("purged files are kept in the bucket, except a sensitive directory's", async (t) => {
  const root = t.testdir({ d: { "old.conf": "old settings\n" }, s: { "secret.key": "hunter2\n" }, state: {} });
  const bucket = new ContentBucket(join(root, "state/bucket"));
  const outcome = await apply(catalogOf([dir(join(root, "d"), { purge: true }), { ...dir(join(root, "s"), { purge: true }), sensitive: true }]), { bucket });
  t.same(
    outcome.events.map((e) => [e.resource.slice(root.length + 5), e.actual]),
    [
      ["/d/old.conf", '"file"'],
      ["/s/secret.key", "[redacted]"],
    ],
  );
  t.equal(await readFile(bucket.pathOf(sha256Hex("old settings\n")), "utf8"), "old settings\n");
  t.same(await readdir(bucket.dir), [sha256Hex("old settings\n")], "nothing of the sensitive directory is kept");
});
