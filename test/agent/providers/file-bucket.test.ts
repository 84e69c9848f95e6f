// The content bucket: a file's old bytes are kept by digest before they are
// replaced or removed, within a per-file cap and a total cap (oldest evicted
// first); nothing is kept for sensitive resources, in noop, or when in sync.
import t from "tap";
import { readdir, readFile, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { sha256Hex } from "../../../catalog/canonical.js";
import { ContentBucket } from "../../../agent/state/bucket.js";
import { apply, catalogOf, contentStore, file, fillUp, smallFileSystem, tmpfsUnavailable } from "../_helpers.js";
import { EventResult, LogLevel, ReportStatus } from "../../../proto/gen/ancla/v1/agent_pb.js";

const kept = async (bucket: ContentBucket): Promise<string[]> => (await readdir(bucket.dir).catch(() => [])).sort();

t.test("replaced and removed contents are kept by digest; the event names the digest", async (t) => {
  const root = t.testdir({ "a.conf": "version 1\n", "gone.conf": "bye\n", state: {} });
  const bucket = new ContentBucket(join(root, "state/bucket"));
  const outcome = await apply(catalogOf([file(join(root, "a.conf"), { content: "version 2\n" }), file(join(root, "gone.conf"), { ensure: "absent" })]), { bucket });
  t.equal(outcome.events[0].actual, JSON.stringify(`sha256:${sha256Hex("version 1\n")}`), "the report names the kept digest");
  t.same(await kept(bucket), [sha256Hex("version 1\n"), sha256Hex("bye\n")].sort());
  t.equal(await readFile(bucket.pathOf(sha256Hex("version 1\n")), "utf8"), "version 1\n");
  t.equal((await stat(bucket.pathOf(sha256Hex("bye\n")))).mode & 0o777, 0o600, "kept contents are readable by the agent only");
  t.equal((await stat(bucket.dir)).mode & 0o777, 0o700);
});

t.test("content fetched by digest replaces a file the same way", async (t) => {
  const root = t.testdir({ big: "old by digest\n", state: {} });
  const bucket = new ContentBucket(join(root, "state/bucket"));
  await apply(catalogOf([file(join(root, "big"), { content_sha256: sha256Hex("new by digest\n") })]), { bucket, fetchContent: contentStore("new by digest\n") });
  t.same(await kept(bucket), [sha256Hex("old by digest\n")]);
});

t.test("nothing is kept when in sync, in noop, for a sensitive resource, or for a new file", async (t) => {
  const root = t.testdir({ same: "same\n", noop: "before noop\n", secret: "old password\n", state: {} });
  const bucket = new ContentBucket(join(root, "state/bucket"));
  await apply(
    catalogOf([
      file(join(root, "same"), { content: "same\n" }),
      file(join(root, "noop"), { content: "after\n" }, { noop: true }),
      file(join(root, "secret"), { content: "new password\n" }, { sensitive: true }),
      file(join(root, "new"), { content: "fresh\n" }),
    ]),
    { bucket },
  );
  t.equal(await readFile(join(root, "secret"), "utf8"), "new password\n", "the sensitive file was changed");
  t.same(await kept(bucket), [], "and nothing was kept; the bucket directory is not even made");
  await apply(catalogOf([file(join(root, "noop"), { content: "after\n" })]), { bucket, noop: true });
  t.same(await kept(bucket), []);
});

t.test("a file over the per-file cap is not kept, and the change is still made", async (t) => {
  const root = t.testdir({ large: "x".repeat(2000), small: "y", state: {} });
  const bucket = new ContentBucket(join(root, "state/bucket"), { maxFileBytes: 1000, maxTotalBytes: 10_000 });
  const outcome = await apply(catalogOf([file(join(root, "large"), { content: "short" }), file(join(root, "small"), { ensure: "absent" })]), { bucket });
  t.equal(outcome.status, ReportStatus.CHANGED);
  t.equal(await readFile(join(root, "large"), "utf8"), "short");
  t.same(await kept(bucket), [sha256Hex("y")]);
});

t.test("the total cap evicts the oldest first, also across runs", async (t) => {
  const root = t.testdir({ state: {} });
  const dir = join(root, "state/bucket");
  const bucket = new ContentBucket(dir, { maxFileBytes: 100, maxTotalBytes: 250 });
  const blob = (c: string) => c.repeat(100);
  for (const c of ["a", "b"]) await bucket.keep(Buffer.from(blob(c)));
  // An earlier run's entry, older than both (mtime is the age across runs).
  const fresh = new ContentBucket(dir, bucket.limits);
  await writeFile(join(dir, sha256Hex(blob("z"))), blob("z"));
  await utimes(join(dir, sha256Hex(blob("z"))), new Date(1000), new Date(1000));
  t.equal(await fresh.keep(Buffer.from(blob("c"))), sha256Hex(blob("c")));
  t.same(await kept(fresh), [blob("b"), blob("c")].map((b) => sha256Hex(b)).sort(), "z (oldest) and then a went");

  // Keeping b again makes it the newest, so c goes next.
  await fresh.keep(Buffer.from(blob("b")));
  await fresh.keep(Buffer.from(blob("d")));
  t.same(await kept(fresh), [blob("b"), blob("d")].map((b) => sha256Hex(b)).sort());
  t.equal(await fresh.keep(Buffer.from("x".repeat(101))), undefined, "over the per-file cap: not kept");
});

t.test("a bucket that cannot be written warns, and the file is replaced all the same (the bucket is history, not state)", async (t) => {
  const root = t.testdir({ f: "old\n", state: "a file where the bucket's parent should be" });
  const bucket = new ContentBucket(join(root, "state/bucket"));
  const outcome = await apply(catalogOf([file(join(root, "f"), { content: "new\n" })]), { bucket });
  t.equal(outcome.status, ReportStatus.CHANGED);
  t.match(outcome.events, [{ property: "content", result: EventResult.CHANGED }]);
  t.equal(await readFile(join(root, "f"), "utf8"), "new\n");
  const warning = outcome.logs.find((l) => l.level === LogLevel.WARNING);
  t.match(warning?.message, /^file:.*\/f: ANCLA_E_IO: the old content of .*\/f was not kept in .*state\/bucket: .*\(ENOTDIR\)/);
});

t.test("a full state disk: the old content is not kept, a warning says so, and the file is replaced", { skip: tmpfsUnavailable() }, async (t) => {
  const root = t.testdir({ f: "old\n" });
  const state = smallFileSystem(t, "256k");
  const bucket = new ContentBucket(join(state, "bucket"));
  fillUp(state);
  const outcome = await apply(catalogOf([file(join(root, "f"), { content: "new\n" })]), { bucket });
  t.match(outcome.events, [{ property: "content", result: EventResult.CHANGED }]);
  t.equal(await readFile(join(root, "f"), "utf8"), "new\n");
  t.match(
    outcome.logs.find((l) => l.level === LogLevel.WARNING)?.message,
    `ANCLA_E_IO: the old content of ${join(root, "f")} was not kept in ${bucket.dir}: cannot write ${bucket.pathOf(sha256Hex("old\n"))}: no space left on device (ENOSPC)`,
  );
  t.same(await kept(bucket), [], "nothing half-kept");
});

t.test("an entry a crash left empty is dropped when the bucket is next read; the empty content's own entry stays", async (t) => {
  const root = t.testdir({ state: { bucket: { [sha256Hex("lost")]: "", [sha256Hex("")]: "", "not-a-digest": "" } } });
  const bucket = new ContentBucket(join(root, "state/bucket"));
  await bucket.keep(Buffer.from("new"));
  t.same(await kept(bucket), [sha256Hex("new"), sha256Hex(""), "not-a-digest"].sort(), "only names the bucket made are its business");
});
