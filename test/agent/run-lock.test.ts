import t, { type Test } from "tap";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { acquireRunLock } from "../../agent/state/lock.js";
import { stateLayout } from "../../agent/state/layout.js";
import { fillUp, smallFileSystem, tmpfsUnavailable } from "./_helpers.js";
import { workDir } from "../helpers/processes.js";

/** A process that runs until the test ends (stopped then, also when the test fails). */
function longLived(t: Test, argv: string[]): ChildProcess {
  const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "pipe", "inherit"] });
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await once(child, "exit");
    }
  });
  return child;
}

t.test("a held lock refuses a second run, naming the holder; release frees it", async (t) => {
  const layout = stateLayout(workDir(t, {}));
  const lock = await acquireRunLock(layout);
  t.equal((await readFile(layout.runLock, "utf8")).trim(), String(process.pid));
  await t.rejects(acquireRunLock(layout), { name: "AnclaError", code: "ANCLA_E_LOCKED", message: new RegExp(`held by pid ${process.pid}$`) });
  await lock.release();
  await t.rejects(stat(layout.runLock), { code: "ENOENT" });
  const again = await acquireRunLock(layout);
  await again.release();
});

t.test("a lock left by a dead process is stale and taken over", async (t) => {
  const layout = stateLayout(workDir(t, {}));
  const dead = spawnSync(process.execPath, ["-e", ""]).pid;
  t.ok(dead);
  await writeFile(layout.runLock, `${dead}\n`);
  const lock = await acquireRunLock(layout);
  t.equal((await readFile(layout.runLock, "utf8")).trim(), String(process.pid));
  await lock.release();
});

t.test("a lock still being written (no pid yet) is respected", async (t) => {
  const layout = stateLayout(workDir(t, {}));
  await writeFile(layout.runLock, "");
  await t.rejects(acquireRunLock(layout), { code: "ANCLA_E_LOCKED" });
});

t.test("release does not remove a lock another process has taken over", async (t) => {
  const layout = stateLayout(workDir(t, {}));
  const lock = await acquireRunLock(layout);
  await writeFile(layout.runLock, "1\n");
  await lock.release();
  t.equal(await readFile(layout.runLock, "utf8"), "1\n");
});

t.test("a lock whose pid the kernel gave to another program is stale and taken over", async (t) => {
  const layout = stateLayout(workDir(t, {}));
  const sleeper = longLived(t, ["sleep", "120"]);
  // What a crash followed by pid reuse looks like: `sleep 120 & echo $! > run.lock`.
  await writeFile(layout.runLock, `${sleeper.pid}\n`);
  const lock = await acquireRunLock(layout);
  t.equal((await readFile(layout.runLock, "utf8")).trim(), String(process.pid));
  await lock.release();
});

t.test("a lock is held only while its holder keeps it open, whatever the pid in it", async (t) => {
  const layout = stateLayout(workDir(t, {}));
  const script = `const fs = require("node:fs");
    const fd = fs.openSync(process.argv[1], "w");
    fs.writeSync(fd, process.pid + "\\n");
    process.stdout.write("open\\n");
    setInterval(() => {}, 1e6);`;
  const holder = longLived(t, [process.execPath, "-e", script, layout.runLock]);
  await once(holder.stdout!, "data");
  await t.rejects(acquireRunLock(layout), { code: "ANCLA_E_LOCKED", message: new RegExp(`held by pid ${holder.pid}$`) }, "open in a live process: held");

  // The lock now names a live process of the same program that does not have it open: a reused pid.
  const other = longLived(t, [process.execPath, "-e", "setInterval(() => {}, 1e6)"]);
  await writeFile(layout.runLock, `${other.pid}\n`);
  const lock = await acquireRunLock(layout);
  t.equal((await readFile(layout.runLock, "utf8")).trim(), String(process.pid), "not open in the process with that pid: stale");
  await lock.release();
});

t.test("a lock that cannot be written (full disk) is removed, and the error names it", { skip: tmpfsUnavailable() }, async (t) => {
  const layout = stateLayout(smallFileSystem(t, "256k"));
  const filler = fillUp(layout.dir);
  await t.rejects(acquireRunLock(layout), {
    name: "AnclaError",
    code: "ANCLA_E_IO",
    message: `cannot write the run lock ${layout.runLock}: no space left on device (ENOSPC)`,
  });
  t.same(await readdir(layout.dir), ["filler"], "no empty lock is left to block the next run");
  await rm(filler);
  const lock = await acquireRunLock(layout);
  await lock.release();
});
