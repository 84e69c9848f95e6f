// Delivers finished windows in batches: flush() makes one ReportHealth batch
// (a unique batch_id) of what it is given, then sends the queued batches
// oldest first and the new one last, stopping at the first failure. The
// queued ones are read one at a time (names alone order the queue), so a
// flush while the server is away reads the oldest and nothing more. A batch
// not taken (server away, or an error answer) goes to the bounded on-disk
// queue: the new one, when it was never sent, appended to the batch queued
// last (queue.ts says when that is safe); one the server refuses as invalid
// is dropped and logged, since sending it again cannot help and it must not
// hold the queue. sent_at_ms is set at each attempt, so a batch that waited
// on disk lands where it ran.
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { ReportHealthRequestSchema } from "../../proto/gen/ancla/v1/agent_pb.js";
import { isAnclaError } from "../../core/errors.js";
import { type HealthQueue, newBatchId } from "./queue.js";
import type { SaturationWindowInit } from "./saturation.js";
import type { ProbeWindowInit } from "./window.js";

type Batch = MessageInitShape<typeof ReportHealthRequestSchema> & { batchId: string };

/** Sends one batch; throws an AnclaError when it was not taken. */
export type SendBatch = (batch: Batch) => Promise<unknown>;

export interface FlushResult {
  delivered: number;
  queued: number;
  dropped: number;
}

export class HealthSender {
  constructor(
    private readonly queue: HealthQueue,
    private readonly send: SendBatch,
    private readonly log: (line: string) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  async flush(probes: ProbeWindowInit[], saturation: SaturationWindowInit[]): Promise<FlushResult> {
    const fresh: Batch | undefined = probes.length + saturation.length > 0 ? { batchId: newBatchId(this.now()), probes, saturation } : undefined;
    const result: FlushResult = { delivered: 0, queued: 0, dropped: 0 };
    if (!(await this.deliverQueued(result))) return this.enqueue(fresh, result, { merge: true });
    if (!fresh) return result;
    const outcome = await this.attempt(fresh);
    if (outcome === "delivered") result.delivered++;
    return outcome === "failed" ? this.enqueue(fresh, result, { merge: false }) : result;
  }

  /**
   * Sends the queued batches oldest first, each read just before it is sent
   * and removed once taken (or refused); false at the first not taken. A
   * listing done, the queue is listed again for batches queued meanwhile (a
   * window parked during a slow flush, monitor.ts).
   */
  private async deliverQueued(result: FlushResult): Promise<boolean> {
    const seen = new Set<string>();
    for (;;) {
      const names = (await this.queue.names()).filter((n) => !seen.has(n));
      if (names.length === 0) return true;
      for (const name of names) {
        seen.add(name);
        const batch = await this.queue.take(name);
        if (!batch) continue;
        const outcome = await this.attempt(batch);
        if (outcome === "failed") return false;
        await this.queue.remove(batch.batchId);
        if (outcome === "delivered") result.delivered++;
      }
    }
  }

  /** Queues the new batch (appended to the open one when it was never sent). */
  private async enqueue(fresh: Batch | undefined, result: FlushResult, opts: { merge: boolean }): Promise<FlushResult> {
    if (!fresh) return result;
    result.dropped = await this.queue.add(fresh, opts);
    result.queued = 1;
    if (result.dropped > 0) this.log(`health: the queue is full; dropped the ${result.dropped} oldest batch(es)`);
    return result;
  }

  private async attempt(batch: Batch): Promise<"delivered" | "refused" | "failed"> {
    try {
      await this.send({ ...batch, sentAtMs: BigInt(this.now()) });
      return "delivered";
    } catch (err) {
      if (isAnclaError(err, "ANCLA_E_INVALID_ARGUMENT")) {
        this.log(`health: the server refused batch ${batch.batchId}, dropped: ${(err as Error).message}`);
        return "refused";
      }
      return "failed";
    }
  }
}
