// The server's one way to replace a file that must survive a power cut (its
// certificates): written beside the target, fsynced, renamed over it, and the
// directory fsynced. Without the first fsync a crash after the rename can leave
// an empty file under the real name; without the second the rename itself may
// be lost. Synchronous, for the callers that are (certificate renewal).
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** Replaces `path` whole with `data`: a reader or a crash sees the old file or the new one, never a part. */
export function writeFileDurableSync(path: string, data: string | Uint8Array, mode: number): void {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    const fd = openSync(temp, "w", mode);
    try {
      writeFileSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
  fsyncDirSync(dirname(path));
}

/** Makes a rename in `dir` durable. */
function fsyncDirSync(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
