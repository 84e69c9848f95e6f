// One run at a time: a lock file created with O_EXCL holding the owner's pid.
// A lock left behind by a dead process (crash, kill -9) is stale and taken over.
import { mkdir, open, readFile, stat, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import { AnclaError } from "../../proto/errors.js";
import type { StateLayout } from "./layout.js";

const PID_WRITE_GRACE_MS = 5000;

export interface RunLock {
  release(): Promise<void>;
}

export async function acquireRunLock(layout: StateLayout): Promise<RunLock> {
  await mkdir(dirname(layout.runLock), { recursive: true });
  // Two tries: the second follows the removal of a stale lock.
  for (let attempt = 0; attempt < 2; attempt++) {
    if (await tryCreate(layout.runLock)) return { release: () => release(layout.runLock) };
    const holder = await readHolder(layout.runLock);
    if (holder !== undefined && isAlive(holder)) {
      throw new AnclaError("ANCLA_E_LOCKED", `another run holds ${layout.runLock}: held by pid ${holder}`);
    }
    if (holder === undefined && (await isFresh(layout.runLock))) {
      throw new AnclaError("ANCLA_E_LOCKED", `another run is taking ${layout.runLock} right now`);
    }
    await unlink(layout.runLock).catch(ignoreMissing);
  }
  throw new AnclaError("ANCLA_E_LOCKED", `could not take ${layout.runLock}: another process keeps creating it`);
}

async function tryCreate(path: string): Promise<boolean> {
  try {
    const handle = await open(path, "wx", 0o644);
    try {
      await handle.writeFile(`${process.pid}\n`);
    } finally {
      await handle.close();
    }
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  }
}

/** The pid in the lock, or undefined when the file is gone, empty or garbage (a crash between create and write). */
async function readHolder(path: string): Promise<number | undefined> {
  const text = await readFile(path, "utf8").catch(() => "");
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** A lock without a pid is being written by its creator unless it is older than a moment. */
async function isFresh(path: string): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  return info !== undefined && Date.now() - info.mtimeMs < PID_WRITE_GRACE_MS;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function release(path: string): Promise<void> {
  // Only remove the lock if it is still ours; a takeover after we were presumed dead must survive.
  if ((await readHolder(path)) === process.pid) await unlink(path).catch(ignoreMissing);
}

function ignoreMissing(err: NodeJS.ErrnoException): void {
  if (err.code !== "ENOENT") throw err;
}
