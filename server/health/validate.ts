// ReportHealth batches: what makes one impossible (refused whole with
// INVALID_ARGUMENT, nothing stored), and where its windows land in time.
//
// Placement by the server's receive time. An agent's clock may be off by
// minutes or years, and a batch may wait on the agent's disk while the server
// is away, so a window's own timestamp is never trusted as a time. The agent
// stamps the batch with its clock when it sends it (sent_at_ms); the server
// notes its own clock when the batch arrives (receivedAt). Each window is
// then placed at
//
//     ended_at_ms + (receivedAt - sent_at_ms)
//
// i.e. "this long before the batch was sent", measured on the agent's own
// clock and anchored on the server's. A skewed clock cancels out; a batch
// queued for an hour lands an hour back. The network's transit time is the
// only error (milliseconds). docs/analysis.md says the same for operators.
import { histogramProblem } from "../../catalog/health/histogram.js";
import { PROBE_NAME } from "../../catalog/types/probe.js";
import type { ReportHealthRequest } from "../../proto/gen/ancla/v1/agent_pb.js";
import type { HealthBatch, ProbeWindowRecord, SaturationRecord } from "../store/health.js";
import { rpcFail } from "../grpc/status.js";

export const MAX_BATCH_ID = 128;
/** Probe and saturation windows in one batch: a day of 3 probes every 10 s is 25,920; agents send far smaller batches. */
export const MAX_WINDOWS_PER_BATCH = 10_000;
export const MAX_WINDOW_MS = 3_600_000;
export const MAX_DISKS_PER_WINDOW = 64;
const MAX_SITE_VERSION = 256;
const MAX_MOUNT = 4096;
/**
 * A window may end this far after its batch was sent (the agent's clock
 * stepped back in between, as NTP does) and is placed at the receive time; a
 * window further in its batch's future is impossible.
 */
const END_AFTER_SEND_TOLERANCE_MS = 60_000;
/** The 1-minute load per core: a host can be loaded past 1, never past this. */
const MAX_LOAD_PER_CORE = 10_000;

function refuse(detail: string): never {
  return rpcFail("ANCLA_E_INVALID_ARGUMENT", detail);
}

/** A Unix-ms time from the wire: positive and exact as a JS number. */
function agentTime(v: bigint, what: string): number {
  if (v <= 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) refuse(`${what} ${v} is not a time (Unix milliseconds, above 0)`);
  return Number(v);
}

function fraction(v: number, what: string, max = 1): number {
  if (!Number.isFinite(v) || v < 0 || v > max) refuse(`${what} is ${v}: expected a number from 0 to ${max}`);
  return v;
}

function duration(ms: number, what: string): number {
  if (ms === 0 || ms > MAX_WINDOW_MS) refuse(`${what}.duration_ms is ${ms}: a window lasts 1 ms to 1 hour`);
  return ms;
}

/** Places a window that ended at `endedAtMs` on the agent's clock (see the top of this file). */
function placer(sentAtMs: number, receivedAt: Date): (endedAtMs: bigint, what: string) => Date {
  const offset = receivedAt.getTime() - sentAtMs;
  return (endedAtMs, what) => {
    const ended = agentTime(endedAtMs, `${what}.ended_at_ms`);
    if (ended > sentAtMs + END_AFTER_SEND_TOLERANCE_MS) refuse(`${what} ended at ${ended}, after its batch was sent (sent_at_ms ${sentAtMs}) on the same clock`);
    return new Date(Math.min(ended + offset, receivedAt.getTime()));
  };
}

/** The batch checked and placed; refuses (INVALID_ARGUMENT, naming the first problem) an impossible one. */
export function validateHealth(req: ReportHealthRequest, receivedAt: Date): HealthBatch {
  if (!req.batchId || req.batchId.length > MAX_BATCH_ID) refuse(`batch_id must be 1 to ${MAX_BATCH_ID} characters`);
  const windows = req.probes.length + req.saturation.length;
  if (windows > MAX_WINDOWS_PER_BATCH) refuse(`the batch holds ${windows} windows: at most ${MAX_WINDOWS_PER_BATCH}; send smaller batches`);
  const place = placer(agentTime(req.sentAtMs, "sent_at_ms"), receivedAt);

  const probes: ProbeWindowRecord[] = req.probes.map((w, i) => {
    const what = `probes[${i}]`;
    if (!PROBE_NAME.test(w.probe)) refuse(`${what}.probe "${w.probe.slice(0, 80)}" is not a probe name (${PROBE_NAME.source})`);
    if (w.siteVersion.length > MAX_SITE_VERSION) refuse(`${what}.site_version is longer than ${MAX_SITE_VERSION} characters`);
    const errors = { timeout: w.errorsTimeout, refused: w.errorsRefused, status: w.errorsStatus, body: w.errorsBody };
    const errorSum = errors.timeout + errors.refused + errors.status + errors.body;
    if (errorSum > w.count) refuse(`${what} (${w.probe}) counts ${errorSum} errors in ${w.count} attempts`);
    const latency = w.latency.map((b) => ({ index: b.index, count: b.count }));
    const problem = histogramProblem(latency);
    if (problem) refuse(`${what} (${w.probe}) latency: ${problem}`);
    const answered = w.count - errors.timeout - errors.refused;
    const samples = latency.reduce((sum, b) => sum + b.count, 0);
    if (samples !== answered) refuse(`${what} (${w.probe}) latency holds ${samples} samples, but ${answered} of its ${w.count} attempts got an answer (count - timeout - refused)`);
    return { probe: w.probe, at: place(w.endedAtMs, what), durationMs: duration(w.durationMs, what), siteVersion: w.siteVersion, count: w.count, errors, latency };
  });

  const saturation: SaturationRecord[] = req.saturation.map((w, i) => {
    const what = `saturation[${i}]`;
    if (w.disks.length > MAX_DISKS_PER_WINDOW) refuse(`${what} lists ${w.disks.length} disks: at most ${MAX_DISKS_PER_WINDOW}`);
    let disk: number | undefined;
    w.disks.forEach((d, j) => {
      if (!d.mount.startsWith("/") || d.mount.length > MAX_MOUNT) refuse(`${what}.disks[${j}].mount "${d.mount.slice(0, 80)}" is not an absolute path`);
      disk = Math.max(disk ?? 0, fraction(d.used, `${what}.disks[${j}].used`));
    });
    return {
      at: place(w.endedAtMs, what),
      durationMs: duration(w.durationMs, what),
      cpu: fraction(w.cpuBusy, `${what}.cpu_busy`),
      memory: fraction(w.memoryUsed, `${what}.memory_used`),
      load: fraction(w.loadPerCore, `${what}.load_per_core`, MAX_LOAD_PER_CORE),
      disk,
    };
  });

  return { batchId: req.batchId, probes, saturation };
}
