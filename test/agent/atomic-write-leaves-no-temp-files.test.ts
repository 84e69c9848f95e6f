import t from "tap";
import { mkdir, readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../../agent/state/atomic-write.js";
import { apply, catalogOf, file } from "./_helpers.js";

t.test("applying files leaves only the files, no temp files", async (t) => {
  const root = t.testdir({ existing: "old" });
  const outcome = await apply(
    catalogOf([file(join(root, "existing"), { content: "replaced" }), file(join(root, "new"), { content: "new", mode: "0640" })]),
  );
  t.equal(outcome.status, "changed");
  t.same((await readdir(root)).sort(), ["existing", "new"]);
});

t.test("a failed write removes its temp file and leaves the target as it was", async (t) => {
  const root = t.testdir({ target: {} });
  // Renaming a file over a directory fails after the temp file has been written.
  await t.rejects(writeFileAtomic(join(root, "target"), "data"), { code: "EISDIR" });
  t.same(await readdir(root), ["target"]);
  t.ok((await stat(join(root, "target"))).isDirectory());
});

t.test("the written file has the requested mode and content", async (t) => {
  const root = t.testdir({});
  await mkdir(join(root, "d"));
  await writeFileAtomic(join(root, "d/f"), new TextEncoder().encode("bytes"), { mode: 0o640 });
  t.equal(await readFile(join(root, "d/f"), "utf8"), "bytes");
  t.equal((await stat(join(root, "d/f"))).mode & 0o7777, 0o640);
});

t.test("replacing a file keeps the mode and owner the catalog does not manage", async (t) => {
  const path = join(t.testdir({}), "f");
  await writeFileAtomic(path, "old", { mode: 0o600, uid: 65534, gid: 65534 });
  await apply(catalogOf([file(path, { content: "new" })]));
  const st = await stat(path);
  t.same([st.mode & 0o7777, st.uid, st.gid], [0o600, 65534, 65534]);
  t.equal(await readFile(path, "utf8"), "new");
});
