// One run at a time: a lock file created with O_EXCL holding the owner's pid.
// A lock left behind by a process that is gone (crash, kill -9) is stale and
// taken over; so is one whose pid the kernel has since given to another
// program (see process-identity.ts).
import { mkdir, open, readFile, stat, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import { AnclaError } from "../../proto/errors.js";
import { ioError } from "./io-error.js";
import type { StateLayout } from "./layout.js";
import { writerAlive } from "./process-identity.js";

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
    if (await tryCreate(layout.runLock)) return { release: () => release(layout.runLock) };
    const holder = await readHolder(layout.runLock);
    const writtenAt = await modifiedAt(layout.runLock);
    if (holder !== undefined && writerAlive(holder, writtenAt ?? Date.now())) {
      throw new AnclaError("ANCLA_E_LOCKED", `another run holds ${layout.runLock}: held by pid ${holder}`);
    }
    if (holder === undefined && writtenAt !== undefined && Date.now() - writtenAt < PID_WRITE_GRACE_MS) {
      throw new AnclaError("ANCLA_E_LOCKED", `another run is taking ${layout.runLock} right now`);
    }
    await unlink(layout.runLock).catch(ignoreMissing);
  }
  throw new AnclaError("ANCLA_E_LOCKED", `could not take ${layout.runLock}: another process keeps creating it`);
}

async function tryCreate(path: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, "wx", 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
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
  await handle.close();
  return true;
}

/** The pid in the lock, or undefined when the file is gone, empty or garbage (a crash between create and write). */
async function readHolder(path: string): Promise<number | undefined> {
  const text = await readFile(path, "utf8").catch(() => "");
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** When the lock was written (its holder wrote the pid then), or undefined when it is gone. */
async function modifiedAt(path: string): Promise<number | undefined> {
  return (await stat(path).catch(() => undefined))?.mtimeMs;
}

async function release(path: string): Promise<void> {
  // Only remove the lock if it is still ours; a takeover after we were presumed dead must survive.
  if ((await readHolder(path)) === process.pid) await unlink(path).catch(ignoreMissing);
}

function ignoreMissing(err: NodeJS.ErrnoException): void {
  if (err.code !== "ENOENT") throw err;
}
