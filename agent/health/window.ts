// One probe's attempts within one window: the count, errors by kind and the
// latency histogram of the attempts that got an answer, as ProbeWindow.
import type { MessageInitShape } from "@bufbuild/protobuf";
import { Histogram } from "../../catalog/health/histogram.js";
import type { ProbeWindowSchema } from "../../proto/gen/ancla/v1/agent_pb.js";
import { answered, type Attempt } from "./outcome.js";

export type ProbeWindowInit = MessageInitShape<typeof ProbeWindowSchema>;

export class OpenWindow {
  count = 0;
  readonly errors = { timeout: 0, refused: 0, status: 0, body: 0 };
  readonly latency = new Histogram();

  constructor(
    readonly probe: string,
    readonly siteVersion: string,
    readonly startedAtMs: number,
  ) {}

  record(attempt: Attempt): void {
    this.count++;
    if (attempt.outcome !== "ok") this.errors[attempt.outcome]++;
    if (answered(attempt.outcome)) this.latency.record(attempt.latencyMs);
  }

  /** The window as the wire carries it, ended at `endedAtMs`. */
  close(endedAtMs: number): ProbeWindowInit {
    return {
      probe: this.probe,
      endedAtMs: BigInt(Math.round(endedAtMs)),
      durationMs: Math.max(0, Math.round(endedAtMs - this.startedAtMs)),
      siteVersion: this.siteVersion,
      count: this.count,
      errorsTimeout: this.errors.timeout,
      errorsRefused: this.errors.refused,
      errorsStatus: this.errors.status,
      errorsBody: this.errors.body,
      latency: this.latency.buckets(),
    };
  }
}
