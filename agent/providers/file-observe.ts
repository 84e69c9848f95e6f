// What a path is right now, read without following links.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { lstat, readdir } from "node:fs/promises";

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
    const st = await lstat(path);
    const kind: ActualKind = st.isFile() ? "file" : st.isDirectory() ? "directory" : st.isSymbolicLink() ? "link" : "other";
    return { kind, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
  } catch (err) {
    // ENOTDIR: a parent is not a directory, so nothing can be at this path.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { kind: "absent", mode: 0, uid: -1, gid: -1 };
    throw err;
  }
}

/** SHA-256 (hex) of a file, streamed so a large file is never held in memory. */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

export async function isEmptyDirectory(path: string): Promise<boolean> {
  return (await readdir(path)).length === 0;
}
