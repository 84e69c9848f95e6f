// Unpacks a verified image (tar, or tar.gz: node-tar detects gzip) into a new
// slot. Every entry is checked before anything is written, and one entry that
// would land outside the slot refuses the whole image: an absolute path, a ".."
// that climbs out, a symlink or hard link pointing out, a device or fifo, a
// sparse file (node-tar would drop or mangle it). setuid, setgid and sticky
// bits are cleared.
// (node-tar would skip such entries with a warning; a half image is worse than
// none.) The tree is unpacked into a staging directory beside the slot and
// renamed into place, so a slot either is complete or does not exist, and its
// data is flushed to disk before the rename (one syncfs for the whole tree
// rather than an fsync per file), so a power cut cannot leave a slot that
// looks complete with empty files in it.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, rename, rm, statfs } from "node:fs/promises";
import { join, posix } from "node:path";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";
import type { ReadEntry } from "tar";
import { fsyncPath } from "../state/atomic-write.js";
import { ResourceFailure } from "./provider.js";

/** Staging directories start with this: a leftover from a killed run is recognisable (and removed). */
export const STAGING_PREFIX = ".staging-";

const ALLOWED = new Set(["File", "OldFile", "ContiguousFile", "Directory", "SymbolicLink", "Link"]);
const NAMED = new Map([["SparseFile", "GNU sparse file"]]);

/** Unpacks `file` into `slotsDir/name`; resolves once the slot is complete and durable in its directory. */
export async function unpackInto(file: string, slotsDir: string, name: string): Promise<void> {
  // Loaded only to unpack: every run starts the agent, few runs swap an image.
  const tar = await import("tar");
  const bytes = await refuseEscapes(tar, file);
  await mkdir(slotsDir, { recursive: true, mode: 0o755 });
  await refuseWithoutRoom(slotsDir, bytes);
  const staging = join(slotsDir, `${STAGING_PREFIX}${name}.${randomBytes(6).toString("hex")}`);
  await mkdir(staging, { mode: 0o755 });
  try {
    // The image's files belong to the agent's user: ids in a tar built elsewhere mean nothing here,
    // and neither do setuid, setgid and sticky bits (a root agent would hand out root).
    await tar.x({ file, cwd: staging, strict: true, preserveOwner: false, filter: withoutSpecialBits });
    // coreutils `sync --file-system`: syncfs(2), which Node does not expose.
    await promisify(execFile)("sync", ["--file-system", staging]);
    await rm(join(slotsDir, name), { recursive: true, force: true });
    await rename(staging, join(slotsDir, name));
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    if (err instanceof ResourceFailure) throw err;
    throw new ResourceFailure("content_sha256", `cannot unpack the image: ${(err as Error).message}`, "ANCLA_E_IMAGE_UNSAFE", { cause: err });
  }
  fsyncPath(slotsDir);
}

const SPECIAL_BITS = 0o7000;

/** Keeps every entry, with its setuid, setgid and sticky bits cleared. */
function withoutSpecialBits(_path: string, entry: ReadEntry | import("node:fs").Stats): boolean {
  if (typeof entry.mode === "number") entry.mode &= ~SPECIAL_BITS;
  return true;
}

/**
 * A GNU sparse file cannot be unpacked as it was packed: node-tar silently
 * drops the old GNU form (type S) and writes the sparse map as the file's data
 * in the pax forms (GNU.sparse.* headers), so a slot would commit with a file
 * missing or wrong. Such an image is refused; pack it with `tar` without `--sparse`.
 */
const SPARSE_PAX = /(^|\n)\d+ GNU\.sparse\./;

/** Refuses an image with an entry that would land outside its slot, or that cannot be unpacked faithfully; otherwise its unpacked size in bytes. */
async function refuseEscapes(tar: typeof import("tar"), file: string): Promise<number> {
  const problems: string[] = [];
  let bytes = 0;
  const parser = tar.t({
    strict: true,
    onReadEntry: (entry: ReadEntry) => {
      const problem = escapeOf(entry.type, entry.path, entry.linkpath);
      if (problem) problems.push(problem);
      bytes += entry.size ?? 0;
    },
  });
  // Entries of a type node-tar skips (GNU sparse, volume headers, ...) never reach onReadEntry.
  parser.on("ignoredEntry", (entry: ReadEntry) => problems.push(escapeOf(entry.type, entry.path) ?? `${JSON.stringify(entry.path)} cannot be unpacked`));
  parser.on("meta", (meta: string) => {
    if (SPARSE_PAX.test(meta)) problems.push("a file is stored sparse (GNU.sparse pax headers), which cannot be unpacked faithfully; pack the image without --sparse");
  });
  try {
    await pipeline(createReadStream(file), parser);
  } catch (err) {
    throw new ResourceFailure("content_sha256", `the image is not a readable tar or tar.gz: ${(err as Error).message}`, "ANCLA_E_IMAGE_UNSAFE", { cause: err });
  }
  if (problems.length > 0) {
    const more = problems.length > 3 ? ` (and ${problems.length - 3} more)` : "";
    throw new ResourceFailure("content_sha256", `the image is refused: ${problems.slice(0, 3).join("; ")}${more}`, "ANCLA_E_IMAGE_UNSAFE");
  }
  return bytes;
}

/**
 * A gzip image can unpack to far more than it weighs; unpacking it into a
 * full disk would fail half-way and could starve the host. Refused up front
 * when the unpacked size would leave less than 5% of the file system free.
 */
async function refuseWithoutRoom(dir: string, bytes: number): Promise<void> {
  const fs = await statfs(dir);
  const free = fs.bavail * fs.bsize;
  const reserve = fs.blocks * fs.bsize * 0.05;
  if (bytes > free - reserve) {
    const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
    throw new ResourceFailure("content_sha256", `the image unpacks to ${mib(bytes)} and ${dir} has ${mib(free)} free (5% is kept free)`, "ANCLA_E_IMAGE_UNSAFE");
  }
}

/** Why an entry may not be unpacked into a slot, or undefined when it may. */
export function escapeOf(type: string, path: string, linkpath?: string): string | undefined {
  if (!ALLOWED.has(type)) return `${JSON.stringify(path)} is a ${NAMED.get(type) ?? type}, not a file, directory or link`;
  if (climbsOut(path)) return `${JSON.stringify(path)} is outside the slot`;
  if (type === "SymbolicLink") {
    // A symlink resolves from its own directory; an absolute target is outside by definition.
    if (!linkpath || posix.isAbsolute(linkpath) || climbsOut(posix.join(posix.dirname(path), linkpath))) return `${JSON.stringify(path)} links to ${JSON.stringify(linkpath)}, outside the slot`;
  }
  if (type === "Link" && (!linkpath || climbsOut(linkpath))) return `${JSON.stringify(path)} is a hard link to ${JSON.stringify(linkpath)}, outside the slot`;
  return undefined;
}

function climbsOut(path: string): boolean {
  if (posix.isAbsolute(path)) return true;
  const normal = posix.normalize(path);
  return normal === ".." || normal.startsWith("../");
}
