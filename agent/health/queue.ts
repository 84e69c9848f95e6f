// Health batches the server did not take (away, or answering with an error),
// one file per batch in <state-dir>/health, delivered oldest first on the
// next successful send. Written whole (QueueDir, atomic-write.ts): a crash
// leaves a batch or nothing, never half of one. Bounded: beyond the limit
// the oldest batches are dropped, and how many is said to the caller.
// Batch ids begin with the time they were made, so names alone order the
// queue: trimming reads no file, and delivery (sender.ts) reads one batch at
// a time, so a flush while the server is away reads one file, not all.
//
// Several windows per batch. While the server is away, a new window that was
// never sent is appended to the batch this process queued last (the "open"
// batch), up to MAX_MERGED_WINDOWS windows, instead of a file per window.
// Each window keeps its own ended_at_ms and duration, so nothing is lost by
// merging, and the rewrite is atomic like every queue write. The one rule:
// a batch id the server may have stored never gets new windows, since the
// server drops a redelivered batch id whole. So only a batch this process
// queued and has not attempted to send since is open: take() (the read
// before an attempt) closes it, a batch that was itself attempted is queued
// closed, and after a restart nothing on disk is open. add() and take() run
// one at a time, so a window is never appended to a batch being sent.
import { create, fromJsonString, toJsonString, type MessageInitShape } from "@bufbuild/protobuf";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ReportHealthRequestSchema, type ReportHealthRequest } from "../../proto/gen/ancla/v1/agent_pb.js";
import type { StateLayout } from "../state/layout.js";
import { QueueDir } from "../state/queue-dir.js";

/**
 * 2,000 batches of up to 60 windows each: at the default 10 s window, about
 * 333 hours (13.9 days) of an absent server (the first window of an outage,
 * tried on its own, is a batch by itself); 33 hours at 1 s windows.
 */
export const MAX_QUEUED_BATCHES = 2000;

/** Windows (flushes) appended into one queued batch: 10 minutes at the default 10 s window. */
export const MAX_MERGED_WINDOWS = 60;

/**
 * Probe and saturation windows in one queued batch: the server refuses more
 * (server/health/validate.ts MAX_WINDOWS_PER_BATCH). A node with many probes
 * reaches it before MAX_MERGED_WINDOWS (past 165 probes).
 */
export const MAX_BATCH_ENTRIES = 10_000;

/** `<ms since epoch, 13 digits>-<12 hex>`: unique, and ordered by when it was made. */
export function newBatchId(now = Date.now()): string {
  return `${String(Math.round(now)).padStart(13, "0")}-${randomBytes(6).toString("hex")}`;
}

export interface AddOptions {
  /**
   * The batch was never sent: it may be appended to the open batch, or
   * become the open batch that later windows join. Leave false for a batch that was attempted
   * (the server may hold its id): it is queued alone, under its own id.
   */
  merge?: boolean;
}

/** The batch this process queued last and has not attempted since, as written. */
interface OpenBatch {
  batch: ReportHealthRequest;
  windows: number;
}

export class HealthQueue {
  private readonly dir: QueueDir;
  private open: OpenBatch | undefined;
  private serial: Promise<unknown> = Promise.resolve();

  constructor(
    layout: StateLayout,
    readonly limit = MAX_QUEUED_BATCHES,
    readonly windowsPerBatch = MAX_MERGED_WINDOWS,
    readonly entriesPerBatch = MAX_BATCH_ENTRIES,
  ) {
    this.dir = new QueueDir(layout.healthDir, layout.badHealthDir, "batch id", "queued health batch");
  }

  /**
   * Queues a batch, appended to the open batch when `merge` says it may be and
   * that one has room; answers how many of the oldest were dropped to stay
   * within the limit.
   */
  add(batch: MessageInitShape<typeof ReportHealthRequestSchema>, opts: AddOptions = {}): Promise<number> {
    return this.oneAtATime(async () => {
      const msg = create(ReportHealthRequestSchema, batch);
      let names = (await this.dir.names()).sort();
      const open = opts.merge ? this.open : undefined;
      if (open && this.fits(open, msg) && names.includes(this.fileName(open.batch.batchId))) {
        const merged = create(ReportHealthRequestSchema, {
          batchId: open.batch.batchId,
          probes: [...open.batch.probes, ...msg.probes],
          saturation: [...open.batch.saturation, ...msg.saturation],
        });
        await this.dir.write(merged.batchId, toJsonString(ReportHealthRequestSchema, merged));
        this.open = { batch: merged, windows: open.windows + 1 };
        return 0;
      }
      this.open = undefined;
      await this.dir.write(msg.batchId, toJsonString(ReportHealthRequestSchema, msg));
      if (opts.merge) this.open = { batch: msg, windows: 1 };
      names = (await this.dir.names()).sort();
      const over = names.slice(0, Math.max(0, names.length - this.limit));
      for (const name of over) await this.dir.unlinkName(name);
      if (this.open && over.includes(this.fileName(this.open.batch.batchId))) this.open = undefined;
      return over.length;
    });
  }

  /** The names of the queued batch files, oldest first; reads no file. */
  async names(): Promise<string[]> {
    return (await this.dir.names()).sort();
  }

  /**
   * The queued batch in file `name`, to be sent: no window is appended to it
   * from now on. Undefined when it is gone, or does not read back (moved to
   * health/bad).
   */
  take(name: string): Promise<ReportHealthRequest | undefined> {
    return this.oneAtATime(async () => {
      if (this.open && this.fileName(this.open.batch.batchId) === name) this.open = undefined;
      return this.load(name);
    });
  }

  /** The queued batches, oldest first; a file that does not read back is moved to health/bad. Reads every file (tests, tools). */
  async list(): Promise<ReportHealthRequest[]> {
    const out: ReportHealthRequest[] = [];
    for (const name of await this.names()) {
      const batch = await this.load(name);
      if (batch) out.push(batch);
    }
    return out;
  }

  async remove(batchId: string): Promise<void> {
    await this.dir.remove(batchId);
  }

  /** The text of a queued file; every read of a queued batch goes through here. */
  protected async read(name: string): Promise<string> {
    return readFile(join(this.dir.dir, name), "utf8");
  }

  private async load(name: string): Promise<ReportHealthRequest | undefined> {
    let text: string;
    try {
      text = await this.read(name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      await this.dir.moveAside(name);
      return undefined;
    }
    try {
      const batch = fromJsonString(ReportHealthRequestSchema, text);
      if (batch.batchId !== this.dir.idOf(name)) throw new Error(`holds batch ${batch.batchId}`);
      return batch;
    } catch {
      await this.dir.moveAside(name);
      return undefined;
    }
  }

  private fits(open: OpenBatch, msg: ReportHealthRequest): boolean {
    const entries = open.batch.probes.length + open.batch.saturation.length + msg.probes.length + msg.saturation.length;
    return open.windows < this.windowsPerBatch && entries <= this.entriesPerBatch;
  }

  private fileName(batchId: string): string {
    return batchId + this.dir.suffix;
  }

  private oneAtATime<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.serial.then(fn, fn);
    this.serial = run.catch(() => undefined);
    return run;
  }
}
