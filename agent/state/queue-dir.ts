// A directory of queued items, one file each, named by the item's id: the
// report queue and the health queue share it. Every item is written whole
// (atomic-write.ts: a reader, or the next start after a crash, sees all of a
// file or none of it), and a file that does not read back is moved aside to
// `bad/` for a human, not dropped.
import { mkdir, readdir, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import { AnclaError } from "../../core/errors.js";
import { TEMP_PREFIX, writeFileAtomic } from "./atomic-write.js";

export class QueueDir {
  constructor(
    readonly dir: string,
    readonly badDir: string,
    /** What ids and items are called, for the refusal of an id that cannot be a file name ("run id", "queued report"). */
    readonly idName: string,
    readonly itemName: string,
    readonly suffix = ".json",
  ) {}

  /** The file of `id` (with another suffix for notes such as `.lost`); an id that could leave the directory is refused. */
  fileOf(id: string, suffix = this.suffix): string {
    if (!/^[A-Za-z0-9._-]+$/.test(id) || id.startsWith(".")) {
      throw new AnclaError("ANCLA_E_INVALID_ARGUMENT", `${this.idName} ${JSON.stringify(id)} cannot name a ${this.itemName}`);
    }
    return join(this.dir, id + suffix);
  }

  idOf(fileName: string): string {
    return fileName.slice(0, -this.suffix.length);
  }

  /** Writes the item whole, readable by the agent only. */
  async write(id: string, data: string): Promise<void> {
    const file = this.fileOf(id);
    await mkdir(this.dir, { recursive: true });
    await writeFileAtomic(file, data, { mode: 0o600 });
  }

  /** The names of the queued files (never a temp file of a write under way); none when the directory is absent. */
  async names(): Promise<string[]> {
    try {
      return (await readdir(this.dir)).filter((n) => n.endsWith(this.suffix) && !n.startsWith(TEMP_PREFIX));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
  }

  /** Removes an item; removing one that is gone already is harmless (delivered twice). */
  async remove(id: string): Promise<void> {
    await this.unlinkName(this.fileOf(id).slice(this.dir.length + 1));
  }

  async unlinkName(name: string): Promise<void> {
    await unlink(join(this.dir, name)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== "ENOENT") throw err;
    });
  }

  async moveAside(name: string): Promise<void> {
    await mkdir(this.badDir, { recursive: true });
    await rename(join(this.dir, name), join(this.badDir, name));
  }
}
