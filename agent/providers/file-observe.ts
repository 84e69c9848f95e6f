// What a path is right now, read without following links.
//
// The checks use synchronous system calls: the engine converges one resource
// at a time, and for thousands of small files the thread-pool round trips of
// the promise API cost more than the calls themselves (measured: most of a
// no-change run of 1,000 files was lstat/open/read/close scheduling).
import { createHash, hash as oneShotHash } from "node:crypto";
import { closeSync, createReadStream, fstatSync, lstatSync, openSync, readSync } from "node:fs";
import { readdir } from "node:fs/promises";

/** How reports name what is at a path (the `ensure` actual value). */
export type ActualKind = "absent" | "file" | "directory" | "link" | "other";

export interface Observed {
  kind: ActualKind;
  /** Permission bits (mode & 0o7777); 0 when absent. */
  mode: number;
  uid: number;
  gid: number;
}

export async function observe(path: string): Promise<Observed> {
  try {
    const st = lstatSync(path);
    const kind: ActualKind = st.isFile() ? "file" : st.isDirectory() ? "directory" : st.isSymbolicLink() ? "link" : "other";
    return { kind, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
  } catch (err) {
    // ENOTDIR: a parent is not a directory, so nothing can be at this path.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { kind: "absent", mode: 0, uid: -1, gid: -1 };
    throw err;
  }
}

/** Files up to this size are hashed with one read; larger ones are streamed so they are never held in memory. */
export const SMALL_FILE = 1024 * 1024;

export interface FileDigest {
  sha256: string;
  /** The bytes, when the file is small enough to have been read at once (for the bucket and the diff). */
  bytes?: Buffer;
}

/** SHA-256 (hex) of a file, with its bytes when small: a changed file then needs no second read. */
export async function readDigest(path: string): Promise<FileDigest> {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    if (size <= SMALL_FILE) {
      const buf = Buffer.allocUnsafe(size);
      let got = 0;
      for (let n = -1; got < size && n !== 0; got += n) n = readSync(fd, buf, got, size - got, got);
      const bytes = buf.subarray(0, got);
      // One-shot hashing: a Hash object costs several times more than the hashing of a small file (OpenSSL 3 fetches the digest per object).
      return { sha256: oneShotHash("sha256", bytes, "hex"), bytes };
    }
  } finally {
    closeSync(fd);
  }
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return { sha256: hash.digest("hex") };
}

export async function isEmptyDirectory(path: string): Promise<boolean> {
  return (await readdir(path)).length === 0;
}
