// A run's file writes are staged and committed together (one syncfs, the
// renames, one more syncfs): until the commit only temp files exist, nothing
// that is not a staged write runs before the commit, and a write that fails
// at the commit fails its resource instead of being reported as changed.
import t from "tap";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { providerFor } from "../../agent/providers/registry.js";
import type { Provider } from "../../agent/providers/provider.js";
import { TEMP_PREFIX } from "../../agent/state/atomic-write.js";
import { WriteBatch, syncfs } from "../../agent/state/write-batch.js";
import { ReportStatus } from "../../proto/gen/ancla/v1/agent_pb.js";
import { apply, catalogOf, file, summary } from "./_helpers.js";

const temps = (dir: string) => readdirSync(dir).filter((name) => name.startsWith(TEMP_PREFIX));

t.test("staged writes are temp files until the commit puts them in place whole", async (t) => {
  const dir = t.testdir({ "old.conf": "old\n" });
  const batch = new WriteBatch();
  batch.for("file:a").write(join(dir, "new.conf"), Buffer.from("new\n"), { mode: 0o640 });
  batch.for("file:b").write(join(dir, "old.conf"), Buffer.from("replaced\n"), { mode: 0o600 });
  t.equal(batch.size, 2);
  t.ok(batch.holds("file:a"));
  t.notOk(existsSync(join(dir, "new.conf")), "a staged new file is not visible before the commit");
  t.equal(readFileSync(join(dir, "old.conf"), "utf8"), "old\n", "a staged replacement leaves the old file until the commit");
  t.equal(temps(dir).length, 2);
  // The temp file already has its final mode: the rename is all that is left.
  t.same(
    temps(dir)
      .map((name) => statSync(join(dir, name)).mode & 0o777)
      .sort(),
    [0o600, 0o640],
  );

  t.same(batch.commit(), []);
  t.equal(readFileSync(join(dir, "new.conf"), "utf8"), "new\n");
  t.equal(statSync(join(dir, "new.conf")).mode & 0o777, 0o640);
  t.equal(readFileSync(join(dir, "old.conf"), "utf8"), "replaced\n");
  t.same(temps(dir), [], "no temp file is left");
  t.equal(batch.size, 0);
  t.notOk(batch.holds("file:a"), "a committed write is no longer held");
});

t.test("without syncfs the commit fsyncs each file and directory instead", async (t) => {
  const dir = t.testdir({});
  const asked: string[][] = [];
  const batch = new WriteBatch((paths) => {
    asked.push([...paths]);
    return false;
  });
  batch.for("file:a").write(join(dir, "a"), Buffer.from("a"), {});
  batch.for("file:a").entryChanged(dir);
  t.same(batch.commit(), []);
  t.equal(readFileSync(join(dir, "a"), "utf8"), "a");
  t.equal(asked.length, 2, "asked once for the data and once for the directories");
  t.match(asked[0][0], new RegExp(`${TEMP_PREFIX}`));
  t.same(asked[1], [dir]);
});

t.test("syncfs flushes each file system once and says when it cannot", async (t) => {
  const dir = t.testdir({ a: "a", b: "b" });
  t.equal(syncfs([join(dir, "a"), join(dir, "b")]), true);
  t.equal(syncfs([]), true);
  t.equal(syncfs([join(dir, "missing")]), false, "a path that is gone cannot be synced");
});

t.test("a write whose place is taken at the commit is a failure, and its temp file is removed", async (t) => {
  const root = t.testdir({ keep: {}, gone: {} });
  const batch = new WriteBatch();
  batch.for("file:kept").write(join(root, "keep", "f"), Buffer.from("x"), {});
  batch.for("file:lost").write(join(root, "gone", "f"), Buffer.from("y"), {});
  // A directory made where the staged file goes: a file cannot be renamed over it.
  mkdirSync(join(root, "gone", "f"));
  writeFileSync(join(root, "gone", "f", "inside"), "z");
  const failures = batch.commit();
  t.equal(failures.length, 1);
  t.match(failures[0], { owner: "file:lost", path: join(root, "gone", "f"), message: /cannot move the new .* into place/ });
  t.equal(readFileSync(join(root, "keep", "f"), "utf8"), "x", "the other write is in place");
  t.same(temps(join(root, "keep")), []);
  t.same(temps(join(root, "gone")), [], "the failed write's temp file is removed");
});

t.test("an exec that requires a file finds it in place: the engine commits before anything that does not stage", async (t) => {
  const dir = t.testdir({});
  const conf = join(dir, "app.conf");
  const seen = join(dir, "seen");
  const outcome = await apply(
    catalogOf(
      [file(conf, { content: "port = 80\n" }), { type: "exec", title: "read-it", properties: { command: `/bin/sh -c 'cat ${conf} > ${seen}'`, timeout: 30 } }],
      [{ from: `file:${conf}`, to: "exec:read-it", kind: "require" }],
    ),
  );
  t.equal(outcome.status, ReportStatus.CHANGED);
  t.equal(readFileSync(seen, "utf8"), "port = 80\n");
});

t.test("a file in a new directory, and many files: all in place after the run, no temp file anywhere", async (t) => {
  const root = t.testdir({});
  const resources = [file(join(root, "d"), { ensure: "directory", mode: "0755" })];
  for (let i = 0; i < 50; i++) resources.push(file(join(root, "d", `f${i}`), { content: `file ${i}\n`, mode: "0644" }));
  const outcome = await apply(catalogOf(resources));
  t.match(outcome.counts, { total: 51, changed: 51, failed: 0 });
  for (let i = 0; i < 50; i++) t.equal(readFileSync(join(root, "d", `f${i}`), "utf8"), `file ${i}\n`);
  t.same(temps(join(root, "d")), []);
  t.same(temps(root), []);
  const again = await apply(catalogOf(resources));
  t.equal(again.status, ReportStatus.UNCHANGED, "the second run finds everything in sync");
});

t.test("a staged write that fails at the commit fails its resource, not changed, and its dependents are skipped", async (t) => {
  const root = t.testdir({ a: {} });
  const target = join(root, "a", "f");
  // A resource kind of this test's own that stages too, and pulls the directory out from under the staged write.
  const saboteur: Provider = {
    stagesWrites: () => true,
    async checkApply() {
      rmSync(join(root, "a"), { recursive: true });
      writeFileSync(join(root, "a"), "not a directory\n");
      return { changes: [], applied: false };
    },
  };
  const outcome = await apply(
    catalogOf(
      [file(target, { content: "x\n" }), { type: "saboteur", title: "s", properties: {} }, { type: "exec", title: "after", properties: { command: "/bin/true", timeout: 30 } }],
      [{ from: `file:${target}`, to: "exec:after", kind: "require" }],
    ),
    { providers: (type) => (type === "saboteur" ? saboteur : providerFor(type)) },
  );
  t.equal(outcome.status, ReportStatus.FAILED);
  t.match(outcome.counts, { total: 3, changed: 0, failed: 1, skipped: 1 });
  const rows = summary(outcome);
  t.ok(
    rows.some((r) => r.resource === `file:${target}` && r.result === "failed"),
    "the file's events say failed",
  );
  t.notOk(
    rows.some((r) => r.resource === `file:${target}` && r.result === "changed"),
    "no event says it changed",
  );
  t.ok(rows.some((r) => r.resource === "exec:after" && r.result === "skipped"));
  t.notOk(outcome.memory[`file:${target}`], "drift memory does not hold it as in sync");
  t.same(readdirSync(root), ["a"], "no temp file is left");
});

t.test("noop stages nothing and writes nothing", async (t) => {
  const dir = t.testdir({});
  const outcome = await apply(catalogOf([file(join(dir, "f"), { content: "x" })]), { noop: true });
  t.equal(outcome.status, ReportStatus.NOOP);
  t.same(readdirSync(dir), []);
});

t.test("a purged directory is listed after the staged writes are in place", async (t) => {
  const root = t.testdir({ p: { stray: "stray\n" } });
  mkdirSync(join(root, "other"));
  const outcome = await apply(
    catalogOf([file(join(root, "other", "f"), { content: "x\n" }), file(join(root, "p"), { ensure: "directory", purge: true }), file(join(root, "p", "kept"), { content: "kept\n" })]),
  );
  t.equal(outcome.counts.failed, 0);
  t.same(readdirSync(join(root, "p")).sort(), ["kept"]);
  t.equal(readFileSync(join(root, "other", "f"), "utf8"), "x\n");
});
