// One run at a time: a lock file created with O_EXCL holding the owner's pid,
// and kept open by its owner until released. A lock left behind by a process
// that is gone (crash, kill -9) is stale and taken over; so is one whose pid
// the kernel has since given to another process, which does not have the
// lock open (see process-identity.ts).
import type { Stats } from "node:fs";
import { mkdir, open, readFile, stat, unlink, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import { AnclaError } from "../../core/errors.js";
import { ioError } from "./io-error.js";
import type { StateLayout } from "./layout.js";
import { holdsOpen, writerAlive } from "./process-identity.js";

const PID_WRITE_GRACE_MS = 5000;

export interface RunLock {
  release(): Promise<void>;
}

export async function acquireRunLock(layout: StateLayout): Promise<RunLock> {
  await mkdir(dirname(layout.runLock), { recursive: true }).catch((err: unknown) => {
    throw ioError(`cannot create the state dir ${dirname(layout.runLock)}`, err);
  });
  // Two tries: the second follows the removal of a stale lock.
  for (let attempt = 0; attempt < 2; attempt++) {
    const handle = await tryCreate(layout.runLock);
    if (handle) return { release: () => release(layout.runLock, handle) };
    const holder = await readHolder(layout.runLock);
    const lockStat = await stat(layout.runLock).catch(() => undefined);
    if (holder !== undefined && lockStat && isHeld(holder, lockStat)) {
      throw new AnclaError("ANCLA_E_LOCKED", `another run holds ${layout.runLock}: held by pid ${holder}`);
    }
    if (holder === undefined && lockStat && Date.now() - lockStat.mtimeMs < PID_WRITE_GRACE_MS) {
      throw new AnclaError("ANCLA_E_LOCKED", `another run is taking ${layout.runLock} right now`);
    }
    await unlink(layout.runLock).catch(ignoreMissing);
  }
  throw new AnclaError("ANCLA_E_LOCKED", `could not take ${layout.runLock}: another process keeps creating it`);
}

/** The open lock, or undefined when another lock is there. The handle stays open: that is how the kernel tells who holds it. */
async function tryCreate(path: string): Promise<FileHandle | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, "wx", 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return undefined;
    throw ioError(`cannot create the run lock ${path}`, err);
  }
  try {
    await handle.writeFile(`${process.pid}\n`);
  } catch (err) {
    // A lock without a pid would hold off every run for a while (a full disk left one behind): it goes.
    await handle.close().catch(() => undefined);
    await unlink(path).catch(() => undefined);
    throw ioError(`cannot write the run lock ${path}`, err);
  }
  return handle;
}

/** The pid's process holds the lock if it has it open; where that cannot be read, if it is the agent that wrote it. */
function isHeld(pid: number, lock: Stats): boolean {
  return holdsOpen(pid, lock) ?? writerAlive(pid, lock.mtimeMs);
}

/** The pid in the lock, or undefined when the file is gone, empty or garbage (a crash between create and write). */
async function readHolder(path: string): Promise<number | undefined> {
  const text = await readFile(path, "utf8").catch(() => "");
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

async function release(path: string, handle: FileHandle): Promise<void> {
  try {
    // Only remove the lock if it is still ours; a takeover after we were presumed dead must survive.
    if ((await readHolder(path)) === process.pid) await unlink(path).catch(ignoreMissing);
  } finally {
    await handle.close();
  }
}

function ignoreMissing(err: NodeJS.ErrnoException): void {
  if (err.code !== "ENOENT") throw err;
}
