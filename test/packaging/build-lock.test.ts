// Packaging caches (runtimes, the native module, the Debian root) are built by
// whichever test file needs them first while others run in parallel: the lock
// makes one build and the others wait for its result, and a lock left by a
// builder that died is taken over.
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import t from "tap";
import { underBuildLock } from "../../packaging/build-lock.js";

const run = promisify(execFile);
const LOCK_MODULE = join(import.meta.dirname, "../../dist/packaging/build-lock.js");

t.test("four processes at once: one builds, all get its result", async (t) => {
  const dir = t.testdir();
  const script = `
    import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
    import { underBuildLock } from ${JSON.stringify(LOCK_MODULE)};
    const out = ${JSON.stringify(join(dir, "built"))};
    const got = underBuildLock(out + ".lock", () => (existsSync(out) ? readFileSync(out, "utf8") : undefined), () => {
      appendFileSync(${JSON.stringify(join(dir, "builds"))}, process.pid + "\\n");
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 800); // a slow build
      writeFileSync(out, "result");
      return "result";
    });
    process.stdout.write(got);`;
  writeFileSync(join(dir, "builder.mjs"), script);
  const results = await Promise.all([1, 2, 3, 4].map(() => run(process.execPath, [join(dir, "builder.mjs")])));
  t.same(
    results.map((r) => r.stdout),
    ["result", "result", "result", "result"],
  );
  t.equal(readFileSync(join(dir, "builds"), "utf8").trim().split("\n").length, 1, "built once");
});

t.test("a lock whose builder died is taken over", async (t) => {
  const dir = t.testdir();
  const lock = join(dir, "x.lock");
  writeFileSync(lock, "999999999\n"); // no such pid
  t.equal(
    underBuildLock(
      lock,
      () => undefined,
      () => "built",
    ),
    "built",
  );
});
