// The content bucket (after Puppet's filebucket): before the agent replaces or
// removes a file, it keeps the old bytes under <state>/bucket/<sha256>, so the
// `sha256:` a report names as the actual content can be looked up and restored.
// Bounded twice: a file larger than the per-file cap is not kept, and the
// oldest entries go once the bucket holds more than the total cap.
//
// The bucket is history, not state: its entries are written atomically but
// without fsync, which would double the disk flushes of a drift repair. A
// crash may lose an entry or leave it empty; an empty entry whose name is not
// the digest of nothing is dropped when the bucket is next read.
import { constants } from "node:fs";
import { mkdir, open, readdir, stat, unlink, utimes } from "node:fs/promises";
import { join } from "node:path";
import { sha256Hex } from "../../catalog/canonical.js";
import { writeFileAtomic } from "./atomic-write.js";

export interface BucketLimits {
  /** Larger contents are not kept. */
  maxFileBytes: number;
  /** The oldest entries are evicted beyond this many bytes in all. */
  maxTotalBytes: number;
}

export const DEFAULT_BUCKET_LIMITS: BucketLimits = { maxFileBytes: 1024 * 1024, maxTotalBytes: 64 * 1024 * 1024 };

const DIGEST_NAME = /^[0-9a-f]{64}$/;
/** The one entry that is rightly empty. */
const EMPTY_DIGEST = sha256Hex("");

export class ContentBucket {
  /** digest → size, oldest first (Map keeps insertion order); read from disk at the first keep of a run. */
  private entries?: Map<string, number>;
  private total = 0;

  /** Touches nothing until something is kept: a run that replaces no file pays nothing for the bucket. */
  constructor(
    readonly dir: string,
    readonly limits: BucketLimits = DEFAULT_BUCKET_LIMITS,
  ) {}

  pathOf(sha256: string): string {
    return join(this.dir, sha256);
  }

  /** Keeps `data`; answers its digest, or undefined when it is over the per-file cap. */
  async keep(data: Uint8Array): Promise<string | undefined> {
    if (data.length > this.limits.maxFileBytes) return undefined;
    const digest = sha256Hex(data);
    const entries = await this.load();
    if (entries.has(digest)) {
      // Kept again: it becomes the newest, on disk too, so the next run agrees.
      const now = new Date();
      await utimes(this.pathOf(digest), now, now);
      entries.delete(digest);
    } else {
      await writeFileAtomic(this.pathOf(digest), data, { mode: 0o600, durable: false });
      this.total += data.length;
    }
    entries.set(digest, data.length);
    await this.evict();
    return digest;
  }

  /** Keeps the regular file at `path` (never through a symlink) when it fits the per-file cap. */
  async keepFile(path: string): Promise<string | undefined> {
    const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      if ((await handle.stat()).size > this.limits.maxFileBytes) return undefined;
      return await this.keep(await handle.readFile());
    } finally {
      await handle.close();
    }
  }

  private async load(): Promise<Map<string, number>> {
    if (this.entries) return this.entries;
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const found: { digest: string; size: number; mtimeMs: number }[] = [];
    for (const name of await readdir(this.dir)) {
      if (!DIGEST_NAME.test(name)) continue;
      const st = await stat(join(this.dir, name));
      if (st.size === 0 && name !== EMPTY_DIGEST) await unlink(join(this.dir, name));
      else found.push({ digest: name, size: st.size, mtimeMs: st.mtimeMs });
    }
    found.sort((a, b) => a.mtimeMs - b.mtimeMs);
    this.entries = new Map(found.map((e) => [e.digest, e.size]));
    this.total = found.reduce((sum, e) => sum + e.size, 0);
    return this.entries;
  }

  private async evict(): Promise<void> {
    const entries = this.entries!;
    for (const [digest, size] of entries) {
      if (this.total <= this.limits.maxTotalBytes) return;
      await unlink(this.pathOf(digest)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== "ENOENT") throw err;
      });
      entries.delete(digest);
      this.total -= size;
    }
  }
}
