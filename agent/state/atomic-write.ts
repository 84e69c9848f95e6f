// The one way the agent replaces a file: write a temp file next to the target,
// fsync it, set its mode and owner, rename it over the target, fsync the
// directory. A crash at any point leaves either the old file or the new one,
// never a half-written file. Used by the file provider and by every state file.
//
// A kill between creating the temp file and renaming it leaves the temp file
// behind, so its name carries the writer's pid: a later run removes the temp
// files of writers that are gone (removeOrphanTemps) and nothing else.
import { randomBytes } from "node:crypto";
import { closeSync, fchmodSync, fchownSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { lstat, readdir, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { ioError } from "./io-error.js";
import { writerAlive } from "./process-identity.js";

export interface AtomicWriteOptions {
  /** Permission bits (e.g. 0o644). Set explicitly, so the umask does not decide. */
  mode?: number;
  uid?: number;
  gid?: number;
  /**
   * false: skip the fsyncs. Still atomic (old or new, never half of one to a
   * reader), but a crash may lose the new file or leave it empty. Only for
   * what can be lost, such as the content bucket's history.
   */
  durable?: boolean;
}

/** Temp files start with this prefix, so a leftover from a crash is recognisable. */
export const TEMP_PREFIX = ".ancla-tmp-";

/** `.ancla-tmp-<pid>-<name>.<12 hex>`: the pid says whose it is. */
const TEMP_NAME = new RegExp(`^${TEMP_PREFIX.replace(/[.-]/g, "\\$&")}(\\d+)-.*\\.[0-9a-f]{12}$`, "s");
/** Keeps a temp name within NAME_MAX (255 bytes) whatever the target is called; the target's name is only a hint for humans. */
const MAX_NAME_HINT = 160;

/** A fresh temp path next to `path`, named for this process. */
export function tempPathFor(path: string): string {
  const hint = Buffer.from(basename(path))
    .subarray(0, MAX_NAME_HINT)
    .toString()
    .replace(/\uFFFD+$/, "");
  return join(dirname(path), `${TEMP_PREFIX}${process.pid}-${hint}.${randomBytes(6).toString("hex")}`);
}

/**
 * Synchronous system calls under an async signature: a run writes one file at a
 * time, and for many small files the thread-pool round trips of the promise
 * API cost more than the calls (measured: a first converge of 1,000 files
 * spent most of its time in futex and epoll waits, not in write or fsync).
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): Promise<void> {
  const temp = writeTempFile(path, typeof data === "string" ? Buffer.from(data) : data, opts);
  try {
    renameSync(temp, path);
    if (opts.durable !== false) fsyncPath(dirname(path));
  } catch (err) {
    removeQuietly(temp);
    throw ioError(`cannot write ${path}`, err);
  }
}

/**
 * Writes `data` to a fresh temp file beside `path`, with its final mode and
 * owner (fsynced unless `durable` is false), and answers the temp file's path:
 * the caller renames it into place or removes it.
 */
export function writeTempFile(path: string, data: Uint8Array, opts: AtomicWriteOptions = {}): string {
  const temp = tempPathFor(path);
  try {
    // 0600 until the final mode is set: the content is never readable by others in between.
    const fd = openSync(temp, "wx", 0o600);
    try {
      writeAll(fd, data);
      if (opts.uid !== undefined || opts.gid !== undefined) fchownSync(fd, opts.uid ?? -1, opts.gid ?? -1);
      // chmod after chown: chown clears setuid/setgid bits.
      fchmodSync(fd, opts.mode ?? 0o644);
      if (opts.durable !== false) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    removeQuietly(temp);
    throw ioError(`cannot write ${path}`, err);
  }
  return temp;
}

/** Removes a temp file that will not be renamed; one already gone (or never made) is fine. */
export function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Nothing to clean.
  }
}

function writeAll(fd: number, data: Uint8Array): void {
  for (let done = 0; done < data.length; ) done += writeSync(fd, data, done, data.length - done);
}

/** Makes a file's data, or a rename or create in a directory, durable. */
export function fsyncPath(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Removes from each of `dirs` (not below them) the temp files whose writer is
 * gone, and answers their paths. Anything else stays, even what looks like a
 * temp file: a name without our pid marker, a live writer's, a directory.
 * Best effort: a directory that is missing or unreadable is skipped.
 */
export async function removeOrphanTemps(dirs: Iterable<string>): Promise<string[]> {
  const removed: string[] = [];
  for (const dir of new Set(dirs)) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      const pid = TEMP_NAME.exec(name)?.[1];
      if (pid === undefined) continue;
      const path = join(dir, name);
      const st = await lstat(path).catch(() => undefined);
      if (!st || st.isDirectory() || writerAlive(Number(pid), st.mtimeMs)) continue;
      if (
        await unlink(path).then(
          () => true,
          () => false,
        )
      )
        removed.push(path);
    }
  }
  return removed;
}
