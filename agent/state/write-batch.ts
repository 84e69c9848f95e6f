// Durable file writes of one run, committed together. Writing a file durably
// one at a time (temp, fsync, rename, fsync the directory) costs two flushes
// per file; a first converge of 1,000 files spends most of its time there. A
// batch writes every temp file at once, and on commit makes them all durable
// with one syncfs per file system, renames them into place, and syncs again
// for the renames. The promise is the same as writeFileAtomic's: a reader, or
// a host after a power cut, sees the old file or the whole new one, never a
// half-written one; once commit answers, the new files survive a power cut.
// Until commit, only temp files exist (removeOrphanTemps sweeps them after a kill).
import { spawnSync } from "node:child_process";
import { renameSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { fsyncPath, removeQuietly, writeTempFile, type AtomicWriteOptions } from "./atomic-write.js";
import { ioError } from "./io-error.js";

interface Staged {
  temp: string;
  path: string;
  /** Who asked for the write: a commit failure is theirs. */
  owner: string;
}

/** A staged write that did not reach its place, and why. */
export interface CommitFailure {
  owner: string;
  path: string;
  message: string;
}

/** What a resource's provider gets: stage a write, or say a directory's entries changed. */
export interface StagedWrites {
  write(path: string, data: Uint8Array, opts: Omit<AtomicWriteOptions, "durable">): void;
  /** An entry of `dir` was made or removed now: the commit makes that durable too. */
  entryChanged(dir: string): void;
}

/** Flushes every file system holding `paths` (syncfs(2), via coreutils' `sync -f`); false if that could not be done. */
export type SyncFileSystems = (paths: readonly string[]) => boolean;

export class WriteBatch {
  private staged: Staged[] = [];
  private readonly owners = new Set<string>();
  private readonly dirs = new Set<string>();

  constructor(private readonly syncFileSystems: SyncFileSystems = syncfs) {}

  /** Writes staged and directories changed since the last commit. */
  get size(): number {
    return this.staged.length + this.dirs.size;
  }

  /** Whether `owner` has a write waiting for commit. */
  holds(owner: string): boolean {
    return this.owners.has(owner);
  }

  /** The batch as one resource's provider sees it. */
  for(owner: string): StagedWrites {
    return {
      write: (path, data, opts) => {
        // The temp file is whole (written, mode and owner set) before it is staged; its errors are the caller's, now.
        this.staged.push({ temp: writeTempFile(path, data, { ...opts, durable: false }), path, owner });
        this.owners.add(owner);
      },
      entryChanged: (dir) => void this.dirs.add(dir),
    };
  }

  /** Makes every staged write durable and visible; answers those that failed (their temp files are removed). */
  commit(): CommitFailure[] {
    const staged = this.staged;
    const dirs = new Set(this.dirs);
    this.staged = [];
    this.owners.clear();
    this.dirs.clear();
    if (staged.length === 0 && dirs.size === 0) return [];
    const failures: CommitFailure[] = [];
    const durable = this.syncFileSystems(staged.map((s) => s.temp)) ? staged : staged.filter((s) => fsyncEach(s, failures));
    const moved: Staged[] = [];
    for (const s of durable) {
      try {
        renameSync(s.temp, s.path);
        moved.push(s);
        dirs.add(dirname(s.path));
      } catch (err) {
        failures.push(failed(s, ioError(`cannot move the new ${s.path} into place`, err).message));
        removeQuietly(s.temp);
      }
    }
    const unsynced = this.syncDirs([...dirs]);
    for (const s of moved) {
      if (unsynced.has(dirname(s.path))) failures.push(failed(s, `${s.path} was written, but ${dirname(s.path)} could not be synced: it may not survive a power cut`));
    }
    return failures;
  }

  /** Directories whose new entries could not be made durable. */
  private syncDirs(dirs: string[]): Set<string> {
    const bad = new Set<string>();
    if (dirs.length === 0 || this.syncFileSystems(dirs)) return bad;
    for (const dir of dirs) {
      try {
        fsyncPath(dir);
      } catch {
        bad.add(dir);
      }
    }
    return bad;
  }
}

/** When syncfs cannot be done: an fsync each (the slow way, never less durable). */
function fsyncEach(s: Staged, failures: CommitFailure[]): boolean {
  try {
    fsyncPath(s.temp);
    return true;
  } catch (err) {
    failures.push(failed(s, ioError(`cannot make the new ${s.path} durable`, err).message));
    removeQuietly(s.temp);
    return false;
  }
}

function failed(s: Staged, message: string): CommitFailure {
  return { owner: s.owner, path: s.path, message };
}

/** syncfs(2) once per file system (one path of each device), through coreutils' `sync -f`: Node has no binding for it. */
export function syncfs(paths: readonly string[]): boolean {
  const byDevice = new Map<number, string>();
  for (const path of paths) {
    try {
      const dev = statSync(path).dev;
      if (!byDevice.has(dev)) byDevice.set(dev, path);
    } catch {
      return false;
    }
  }
  if (byDevice.size === 0) return true;
  const r = spawnSync("sync", ["--file-system", ...byDevice.values()], { stdio: "ignore" });
  return r.status === 0;
}
