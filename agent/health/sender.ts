// Delivers finished windows in batches: flush() makes one ReportHealth batch
// (a unique batch_id) of what it is given, then sends the queued batches
// oldest first and the new one last, stopping at the first failure. A batch
// not taken (server away, or an error answer) goes to the bounded on-disk
// queue; one the server refuses as invalid is dropped and logged, since
// sending it again cannot help and it must not hold the queue. sent_at_ms is
// set at each attempt, so a batch that waited on disk lands where it ran.
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { ReportHealthRequestSchema } from "../../proto/gen/ancla/v1/agent_pb.js";
import { isAnclaError } from "../../proto/errors.js";
import { HealthQueue, newBatchId } from "./queue.js";
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
    const waiting = await this.queue.list();
    for (const batch of [...waiting, ...(fresh ? [fresh] : [])]) {
      const outcome = await this.attempt(batch);
      if (outcome === "failed") break;
      if (batch !== fresh) await this.queue.remove(batch.batchId);
      if (outcome === "delivered") result.delivered++;
      if (batch === fresh) return result;
    }
    if (fresh) {
      result.dropped = await this.queue.add(fresh);
      result.queued = 1;
      if (result.dropped > 0) this.log(`health: the queue is full; dropped the ${result.dropped} oldest batch(es)`);
    }
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
