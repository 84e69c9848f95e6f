// The one way the agent replaces a file: write a temp file next to the target,
// fsync it, set its mode and owner, rename it over the target, fsync the
// directory. A crash at any point leaves either the old file or the new one,
// never a half-written file. Used by the file provider and by every state file.
import { randomBytes } from "node:crypto";
import { open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

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

export async function writeFileAtomic(path: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `${TEMP_PREFIX}${basename(path)}.${randomBytes(6).toString("hex")}`);
  // 0600 until the final mode is set: the content is never readable by others in between.
  const handle = await open(temp, "wx", 0o600);
  try {
    try {
      await handle.writeFile(data);
      if (opts.uid !== undefined || opts.gid !== undefined) await handle.chown(opts.uid ?? -1, opts.gid ?? -1);
      // chmod after chown: chown clears setuid/setgid bits.
      await handle.chmod(opts.mode ?? 0o644);
      if (opts.durable !== false) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  if (opts.durable !== false) await fsyncDir(dir);
}

/** Makes a rename or create in `dir` durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
