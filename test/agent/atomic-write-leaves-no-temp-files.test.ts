import t from "tap";
import { spawn, spawnSync } from "node:child_process";
import { mkdir, readdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { removeOrphanTemps, tempPathFor, writeFileAtomic } from "../../agent/state/atomic-write.js";
import { ReportStatus } from "../../proto/gen/ancla/v1/agent_pb.js";
import { apply, catalogOf, file, fillUp, smallFileSystem, tmpfsUnavailable } from "./_helpers.js";
import { workDir } from "../helpers/processes.js";

t.test("applying files leaves only the files, no temp files", async (t) => {
  const root = workDir(t, { existing: "old" });
  const outcome = await apply(catalogOf([file(join(root, "existing"), { content: "replaced" }), file(join(root, "new"), { content: "new", mode: "0640" })]));
  t.equal(outcome.status, ReportStatus.CHANGED);
  t.same((await readdir(root)).sort(), ["existing", "new"]);
});

t.test("a failed write removes its temp file and leaves the target as it was", async (t) => {
  const root = workDir(t, { target: {} });
  // Renaming a file over a directory fails after the temp file has been written.
  await t.rejects(writeFileAtomic(join(root, "target"), "data"), { code: "ANCLA_E_IO", message: `cannot write ${join(root, "target")}: illegal operation on a directory (EISDIR)` });
  t.same(await readdir(root), ["target"]);
  t.ok((await stat(join(root, "target"))).isDirectory());
});

t.test("the written file has the requested mode and content", async (t) => {
  const root = workDir(t, {});
  await mkdir(join(root, "d"));
  await writeFileAtomic(join(root, "d/f"), new TextEncoder().encode("bytes"), { mode: 0o640 });
  t.equal(await readFile(join(root, "d/f"), "utf8"), "bytes");
  t.equal((await stat(join(root, "d/f"))).mode & 0o7777, 0o640);
});

t.test("replacing a file keeps the mode and owner the catalog does not manage", async (t) => {
  const path = join(workDir(t, {}), "f");
  await writeFileAtomic(path, "old", { mode: 0o600, uid: 65534, gid: 65534 });
  await apply(catalogOf([file(path, { content: "new" })]));
  const st = await stat(path);
  t.same([st.mode & 0o7777, st.uid, st.gid], [0o600, 65534, 65534]);
  t.equal(await readFile(path, "utf8"), "new");
});

t.test("on a full disk the error names the file and ENOSPC; no temp file is left and the old content stays", { skip: tmpfsUnavailable() }, async (t) => {
  const dir = smallFileSystem(t, "256k");
  const target = join(dir, "app.conf");
  await writeFileAtomic(target, "old\n");
  fillUp(dir);
  await t.rejects(writeFileAtomic(target, Buffer.alloc(64 * 1024, 1)), {
    name: "AnclaError",
    code: "ANCLA_E_IO",
    message: `cannot write ${target}: no space left on device (ENOSPC)`,
  });
  t.same((await readdir(dir)).sort(), ["app.conf", "filler"]);
  t.equal(await readFile(target, "utf8"), "old\n");
});

t.test("temp files are named for their writer's pid; those of writers that are gone are removed, nothing else", async (t) => {
  const root = workDir(t, { managed: {}, other: {} });
  const dir = join(root, "managed");
  const dead = spawnSync(process.execPath, ["-e", ""]).pid!;
  const sleeper = spawn("sleep", ["120"], { stdio: "ignore" });
  t.teardown(() => void sleeper.kill("SIGKILL"));
  const ours = tempPathFor(join(dir, "app.conf"));
  t.match(ours, new RegExp(`/\\.ancla-tmp-${process.pid}-app\\.conf\\.[0-9a-f]{12}$`));
  const names = {
    killed: `.ancla-tmp-${dead}-app.conf.0123456789ab`,
    killedLink: `.ancla-tmp-${dead}-current.0123456789ab`,
    // Its pid now runs another program (sleep): the writer is gone all the same.
    pidReused: `.ancla-tmp-${sleeper.pid}-db.conf.0123456789ab`,
    live: ours.slice(dir.length + 1),
    noPid: ".ancla-tmp-app.conf.0123456789ab",
    notOurs: `.ancla-tmp-${dead}-notes`,
    users: "app.conf",
  };
  for (const [what, name] of Object.entries(names)) {
    if (what === "killedLink") await symlink("slots/x", join(dir, name));
    else await writeFile(join(dir, name), what);
  }
  await mkdir(join(dir, `.ancla-tmp-${dead}-dir.0123456789ab`));
  const elsewhere = join(root, "other", names.killed);
  await writeFile(elsewhere, "not in a directory the run looks at");

  const removed = await removeOrphanTemps([dir, dir, join(root, "missing")]);
  t.same(removed.sort(), [names.killed, names.killedLink, names.pidReused].map((n) => join(dir, n)).sort());
  t.same((await readdir(dir)).sort(), [names.live, names.noPid, names.notOurs, names.users, `.ancla-tmp-${dead}-dir.0123456789ab`].sort());
  t.equal(await readFile(elsewhere, "utf8"), "not in a directory the run looks at", "only the directories given are looked at");
});
