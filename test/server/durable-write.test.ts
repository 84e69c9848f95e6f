// The server replaces its certificates through writeFileDurableSync: the file
// is swapped whole (fsynced before the rename, the directory after it, which a
// test cannot cut the power on), with its mode, and a failed replacement leaves
// the old file and no temp file behind.
import t from "tap";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileDurableSync } from "../../server/durable-write.js";

t.test("a file is replaced whole, with its mode, and nothing is left beside it", async (t) => {
  const dir = t.testdir({ "server.crt": "old" });
  const file = join(dir, "server.crt");
  writeFileDurableSync(file, "new certificate", 0o644);
  t.equal(readFileSync(file, "utf8"), "new certificate");
  t.equal(statSync(file).mode & 0o777, 0o644 & ~process.umask());
  t.same(readdirSync(dir), ["server.crt"], "no temp file left");
});

t.test("a replacement that fails throws and leaves no temp file", async (t) => {
  const dir = t.testdir({});
  const target = join(dir, "server.crt");
  // A non-empty directory in its place: the rename cannot replace it.
  mkdirSync(target);
  writeFileSync(join(target, "keep"), "x");
  t.throws(() => writeFileDurableSync(target, "new", 0o644));
  t.same(readdirSync(dir), ["server.crt"], "only what was there");
  t.equal(readFileSync(join(target, "keep"), "utf8"), "x");
});
