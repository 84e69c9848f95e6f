// What the agent remembers about one image path, in
// <state>/image/<key>.json, written atomically before and after every step of a
// switch: the committed digest, the slots in the order they went live, the
// digest marked bad, and the switch in progress (the journal). An agent killed
// at any point reads the journal on its next run and finishes or undoes the
// switch from where it stopped.
import { createHash } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../state/atomic-write.js";
import { ResourceFailure } from "./provider.js";

/**
 * activating: the switch is about to be made (it may or may not be);
 * pending-commit: switched and dependents refreshed, the health check decides;
 * rolling-back: the check failed, the switch back is under way (`reason` says why).
 */
export type SwitchStep = "activating" | "pending-commit" | "rolling-back";

export interface PendingSwitch {
  step: SwitchStep;
  /** What `current` pointed at before (undefined: nothing, a first install). */
  from?: string;
  to: string;
  at: string;
  reason?: string;
}

export interface ImageRecord {
  path: string;
  committed?: string;
  /** Digests of slots that went live, oldest first, each once. */
  history: string[];
  /** Rolled back: not tried again while the catalog names it. */
  bad?: { digest: string; reason: string; at: string };
  pending?: PendingSwitch;
}

/** The record of one image path under the agent's state dir. */
export class ImageJournal {
  private readonly file: string;

  constructor(
    readonly dir: string,
    private readonly path: string,
  ) {
    // Keyed by path: the slots live there, whatever the resource is called.
    this.file = join(dir, `${createHash("sha256").update(path).digest("hex").slice(0, 16)}.json`);
  }

  async read(): Promise<ImageRecord> {
    let text: string;
    try {
      text = await readFile(this.file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return { path: this.path, history: [] };
      throw err;
    }
    try {
      const record = JSON.parse(text) as ImageRecord;
      if (record.path !== this.path || !Array.isArray(record.history)) throw new Error("not an image record for this path");
      return record;
    } catch (err) {
      // Guessing here could switch the wrong way: a human decides.
      throw new ResourceFailure("", `the image journal ${this.file} cannot be read (${(err as Error).message}); inspect it, then remove it to start afresh`);
    }
  }

  async write(record: ImageRecord): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.file, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  }
}

/** The record after `digest` went live and was committed. */
export function committedRecord(record: ImageRecord, digest: string): ImageRecord {
  return { path: record.path, committed: digest, history: [...record.history.filter((d) => d !== digest), digest] };
}

/** The digest that was live before the committed one: the rollback a human would reach for. */
export function previousOf(record: ImageRecord): string | undefined {
  const i = record.committed ? record.history.lastIndexOf(record.committed) : -1;
  return i > 0 ? record.history[i - 1] : undefined;
}
