// Health batches the server did not take (away, or answering with an error),
// one file per batch in <state-dir>/health, delivered oldest first on the
// next successful send. Written whole (QueueDir, atomic-write.ts): a crash
// leaves a batch or nothing, never half of one. Bounded: beyond the limit
// the oldest batches are dropped, and how many is said to the caller.
// Batch ids begin with the time they were made, so names alone order the
// queue and trimming reads no file.
import { create, fromJsonString, toJsonString, type MessageInitShape } from "@bufbuild/protobuf";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ReportHealthRequestSchema, type ReportHealthRequest } from "../../proto/gen/ancla/v1/agent_pb.js";
import type { StateLayout } from "../state/layout.js";
import { QueueDir } from "../state/queue-dir.js";

/** 2,000 batches of one 10 s window each: about 5.5 hours of an absent server. */
export const MAX_QUEUED_BATCHES = 2000;

/** `<ms since epoch, 13 digits>-<12 hex>`: unique, and ordered by when it was made. */
export function newBatchId(now = Date.now()): string {
  return `${String(Math.round(now)).padStart(13, "0")}-${randomBytes(6).toString("hex")}`;
}

export class HealthQueue {
  private readonly dir: QueueDir;

  constructor(
    layout: StateLayout,
    readonly limit = MAX_QUEUED_BATCHES,
  ) {
    this.dir = new QueueDir(layout.healthDir, layout.badHealthDir, "batch id", "queued health batch");
  }

  /** Queues a batch; answers how many of the oldest were dropped to stay within the limit. */
  async add(batch: MessageInitShape<typeof ReportHealthRequestSchema>): Promise<number> {
    const msg = create(ReportHealthRequestSchema, batch);
    await this.dir.write(msg.batchId, toJsonString(ReportHealthRequestSchema, msg));
    const names = (await this.dir.names()).sort();
    const over = names.slice(0, Math.max(0, names.length - this.limit));
    for (const name of over) await this.dir.unlinkName(name);
    return over.length;
  }

  /** The queued batches, oldest first; a file that does not read back is moved to health/bad. */
  async list(): Promise<ReportHealthRequest[]> {
    const out: ReportHealthRequest[] = [];
    for (const name of (await this.dir.names()).sort()) {
      try {
        const batch = fromJsonString(ReportHealthRequestSchema, await readFile(join(this.dir.dir, name), "utf8"));
        if (batch.batchId !== this.dir.idOf(name)) throw new Error(`holds batch ${batch.batchId}`);
        out.push(batch);
      } catch {
        await this.dir.moveAside(name);
      }
    }
    return out;
  }

  async remove(batchId: string): Promise<void> {
    await this.dir.remove(batchId);
  }
}
