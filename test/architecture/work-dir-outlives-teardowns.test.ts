// workDir() (test/helpers/processes.ts) keeps a test's dir until its
// teardowns have run, so a process they stop is never writing into a dir tap
// is removing. Plain t.testdir() is removed first: the second case shows the
// order workDir() exists to undo.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import t, { type Test } from "tap";
import { workDir } from "../helpers/processes.js";

async function seenByTeardown(parent: Test, make: (t: Test) => string): Promise<{ dir: string; existed: boolean }> {
  let seen = { dir: "", existed: false };
  await parent.test("a test with a dir and a teardown", async (t) => {
    const dir = make(t);
    t.teardown(() => {
      seen = { dir, existed: existsSync(join(dir, "written-by-the-test")) };
    });
    writeFileSync(join(dir, "written-by-the-test"), "x");
    t.pass("it wrote into its dir");
  });
  return seen;
}

t.test("workDir: the dir is there while teardowns run, and gone after", async (t) => {
  const { dir, existed } = await seenByTeardown(t, (t) => workDir(t));
  t.ok(existed, "the teardown saw the dir");
  t.notOk(existsSync(dir), "then it was removed");
});

t.test("t.testdir: tap removes the dir before the teardown runs", async (t) => {
  const { existed } = await seenByTeardown(t, (t) => t.testdir());
  t.notOk(existed, "the teardown found the dir gone (why workDir exists)");
});
