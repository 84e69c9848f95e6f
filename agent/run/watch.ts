// The agent's end of AgentService/Watch: while the daemon runs, one stream is
// held open so the server can ask for a run now (ancla run, a rollout step, a
// rollback) and get it in seconds. A stream that ends or breaks is opened again
// after an exponential backoff with full jitter, so a fleet cut off together
// (a server restart) comes back spread out rather than all in the same second.
// A stream that stays silent past a few heartbeat intervals is taken for dead
// (a connection cut without a reset) and opened again.
import { setTimeout as sleep } from "node:timers/promises";
import type { RunNow, WatchEvent } from "../../proto/gen/ancla/v1/agent_pb.js";
import type { AgentSettings } from "../settings.js";
import { stateLayout } from "../state/layout.js";
import { AnclaError } from "../../core/errors.js";
import { agentClient, asTransportError, type AgentClient } from "../transport.js";

/** The first retry within a second, then twice as long each time, never longer than a minute. */
export const WATCH_BACKOFF_BASE_MS = 1_000;
export const WATCH_BACKOFF_CAP_MS = 60_000;

/** A stream that lived this long was a working one: the next failure starts the backoff over. */
const HEALTHY_STREAM_MS = 60_000;

/** Heartbeats that may go missing before the stream counts as dead. */
const MISSED_HEARTBEATS = 3;

/** Why the stream is (no longer) up, for the daemon's log. */
export type WatchState = { up: true } | { up: false; error?: Error; retryInMs: number };

export interface WatchOptions {
  settings: Pick<AgentSettings, "server" | "stateDir" | "timeout">;
  /** Each RunNow the server sends. */
  onRunNow(request: RunNow): void;
  /** The stream came up, or went down (once per outage, not per retry). */
  onState?(state: WatchState): void;
  /** Aborted when the daemon stops: the stream is cancelled and holdWatch resolves. */
  signal: AbortSignal;
  random?: () => number;
}

/**
 * Milliseconds before reconnect attempt `failures + 1`: uniform in
 * [0, min(cap, base × 2^failures)) ("full jitter").
 */
export function watchBackoffMs(failures: number, random: () => number = Math.random): number {
  return random() * Math.min(WATCH_BACKOFF_CAP_MS, WATCH_BACKOFF_BASE_MS * 2 ** failures);
}

/** Holds a Watch stream open until `opts.signal` aborts. Never throws: every failure is a reconnect. */
export async function holdWatch(opts: WatchOptions): Promise<void> {
  const random = opts.random ?? Math.random;
  let failures = 0;
  let up = false;
  while (!opts.signal.aborted) {
    const opened = Date.now();
    const outcome = await oneStream(opts, () => {
      if (!up) opts.onState?.({ up: true });
      up = true;
    });
    if (opts.signal.aborted) return;
    if (Date.now() - opened >= HEALTHY_STREAM_MS) failures = 0;
    const retryInMs = watchBackoffMs(failures++, random);
    if (up || failures === 1) opts.onState?.({ up: false, error: outcome.error, retryInMs });
    up = false;
    await sleep(retryInMs, undefined, { signal: opts.signal }).catch(() => undefined);
  }
}

/** One stream from open to end; `error` unless it ended with OK (a replacement, a server stopping). */
async function oneStream(opts: WatchOptions, onFirstEvent: () => void): Promise<{ error?: Error }> {
  const server = opts.settings.server ?? "";
  let client: AgentClient;
  try {
    // Read again for every stream, so a renewed certificate is the one presented.
    client = agentClient(server, stateLayout(opts.settings.stateDir));
  } catch (err) {
    return { error: err as Error };
  }
  const stream = client.watch({}) as AsyncIterable<WatchEvent> & { cancel(): void };
  const cancel = () => stream.cancel();
  opts.signal.addEventListener("abort", cancel, { once: true });
  // Until the first event, as long as any server call may take; then a few of the server's heartbeat intervals.
  let silenceMs = opts.settings.timeout * 1000;
  let silent = false;
  const giveUp = () => {
    silent = true;
    cancel();
  };
  let watchdog = setTimeout(giveUp, silenceMs);
  try {
    for await (const event of stream) {
      onFirstEvent();
      if (event.event.case === "heartbeat") silenceMs = Math.max(1, event.event.value.intervalSeconds) * MISSED_HEARTBEATS * 1000;
      if (event.event.case === "runNow") opts.onRunNow(event.event.value);
      clearTimeout(watchdog);
      watchdog = setTimeout(giveUp, silenceMs);
    }
    return {};
  } catch (err) {
    if (silent) return { error: new AnclaError("ANCLA_E_SERVER_UNREACHABLE", `${server}: nothing on the Watch stream for ${silenceMs / 1000} s`) };
    return { error: asTransportError(err, server) };
  } finally {
    clearTimeout(watchdog);
    opts.signal.removeEventListener("abort", cancel);
    client.close();
  }
}
