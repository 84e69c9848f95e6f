import t from "tap";
import { spawnSync } from "node:child_process";
import { readFile, stat, writeFile } from "node:fs/promises";
import { acquireRunLock } from "../../agent/state/lock.js";
import { stateLayout } from "../../agent/state/layout.js";

t.test("a held lock refuses a second run, naming the holder; release frees it", async (t) => {
  const layout = stateLayout(t.testdir({}));
  const lock = await acquireRunLock(layout);
  t.equal((await readFile(layout.runLock, "utf8")).trim(), String(process.pid));
  await t.rejects(acquireRunLock(layout), { name: "AnclaError", code: "ANCLA_E_LOCKED", message: new RegExp(`held by pid ${process.pid}$`) });
  await lock.release();
  await t.rejects(stat(layout.runLock), { code: "ENOENT" });
  const again = await acquireRunLock(layout);
  await again.release();
});

t.test("a lock left by a dead process is stale and taken over", async (t) => {
  const layout = stateLayout(t.testdir({}));
  const dead = spawnSync(process.execPath, ["-e", ""]).pid;
  t.ok(dead);
  await writeFile(layout.runLock, `${dead}\n`);
  const lock = await acquireRunLock(layout);
  t.equal((await readFile(layout.runLock, "utf8")).trim(), String(process.pid));
  await lock.release();
});

t.test("a lock still being written (no pid yet) is respected", async (t) => {
  const layout = stateLayout(t.testdir({}));
  await writeFile(layout.runLock, "");
  await t.rejects(acquireRunLock(layout), { code: "ANCLA_E_LOCKED" });
});

t.test("release does not remove a lock another process has taken over", async (t) => {
  const layout = stateLayout(t.testdir({}));
  const lock = await acquireRunLock(layout);
  await writeFile(layout.runLock, "1\n");
  await lock.release();
  t.equal(await readFile(layout.runLock, "utf8"), "1\n");
});
