// `ancla-agent run` without --once: run, sleep the interval plus a random
// splay, repeat. While the server is away, retry sooner with exponential
// backoff (but never more often than every BACKOFF_BASE seconds, never later
// than the interval), so a returning server sees the fleet back quickly
// without a thundering herd.
//
// While it runs, the daemon holds a Watch stream open (watch.ts): a RunNow
// from the server wakes the sleep and runs at once, as a noop run when it asks
// for one. A RunNow that arrives during a run queues one more run after it;
// further ones asking the same (noop or not) join that queued run.
//
// Alongside the runs, the health monitor (health/monitor.ts) probes the
// catalog the agent holds: the cached one when the daemon starts, the new one
// after each enforcing run that had a catalog (a noop run changed nothing on
// the host, so its catalog's probes and site version would not describe it).
// It runs on its own timers; the run loop never waits for it, except once at stop.
import type { AgentSettings } from "../settings.js";
import { daemonHealth, type DaemonHealth } from "../health/monitor.js";
import { isAnclaError } from "../../core/errors.js";
import type { RunNow } from "../../proto/gen/ancla/v1/agent_pb.js";
import { runOnce, type RunOnceOptions, type RunResult } from "./once.js";
import { holdWatch, type WatchOptions, type WatchState } from "./watch.js";

const BACKOFF_BASE_SECONDS = 15;

export function nextDelaySeconds(settings: Pick<AgentSettings, "runInterval" | "splay">, failuresInARow: number, random = Math.random): number {
  const splay = random() * settings.splay;
  if (failuresInARow === 0) return settings.runInterval + splay;
  const backoff = BACKOFF_BASE_SECONDS * 2 ** (failuresInARow - 1);
  return Math.min(settings.runInterval, backoff) + splay;
}

export interface DaemonHooks {
  onRun(result: RunResult | Error): void;
  /** Resolves when the daemon should stop (SIGTERM); a run under way finishes first. */
  stopped: Promise<void>;
  /** A run the server asked for is starting (RunNow), with the requests it answers. */
  onRunNow?(run: RequestedRun): void;
  /** The Watch stream came up or went down. */
  onWatch?(state: WatchState): void;
  /** A line of the health monitor's (a flush failing, the probes of a new catalog). */
  onHealth?(line: string): void;
}

/** What the daemon runs with; tests replace them. */
export interface DaemonDeps {
  runOnce(opts: RunOnceOptions): Promise<RunResult>;
  /** Holds the Watch stream open until the signal aborts. */
  holdWatch(opts: WatchOptions): Promise<void>;
  /** Starts health monitoring; absent, the daemon runs without (tests of the run loop). */
  health?(settings: AgentSettings, log: (line: string) => void): DaemonHealth;
}

/** One run the server asked for: every RunNow it answers (they asked for the same kind of run). */
export interface RequestedRun {
  noop: boolean;
  requests: RunNow[];
}

/**
 * The runs the server asked for and not yet started: at most one noop and one
 * enforcing run, in the order first asked, so a burst of RunNow during a run
 * (a rollout step and an operator together) is one more run, not a run each.
 * The daemon's own --noop makes every run a noop run, so all join one.
 */
export class RunRequests {
  private readonly queued: RequestedRun[] = [];
  private wake: (() => void) | undefined;

  constructor(private readonly alwaysNoop: boolean) {}

  add(request: RunNow): void {
    const noop = this.alwaysNoop || request.noop;
    const same = this.queued.find((r) => r.noop === noop);
    if (same) same.requests.push(request);
    else this.queued.push({ noop, requests: [request] });
    this.wake?.();
  }

  /** The next requested run, taken off the queue. */
  take(): RequestedRun | undefined {
    return this.queued.shift();
  }

  get size(): number {
    return this.queued.length;
  }

  /** Resolves after `ms`, or as soon as a run is requested (at once if one is queued), or the signal aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (this.queued.length > 0 || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      signal.addEventListener("abort", done, { once: true });
      this.wake = done;
    });
  }
}

export async function runDaemon(opts: RunOnceOptions, hooks: DaemonHooks, deps: DaemonDeps = { runOnce, holdWatch, health: daemonHealth }): Promise<void> {
  const stop = new AbortController();
  void hooks.stopped.then(() => stop.abort());
  const requests = new RunRequests(opts.noop);
  const watching = deps.holdWatch({ settings: opts.settings, signal: stop.signal, onRunNow: (r) => requests.add(r), onState: hooks.onWatch });
  const health = deps.health?.(opts.settings, hooks.onHealth ?? (() => undefined));
  // Not awaited: reading and verifying the cache must not hold up the first run.
  void health?.refresh();
  try {
    await runLoop(opts, hooks, deps, requests, stop.signal, health);
  } finally {
    await watching;
    await health?.stop();
  }
}

async function runLoop(opts: RunOnceOptions, hooks: DaemonHooks, deps: DaemonDeps, requests: RunRequests, signal: AbortSignal, health: DaemonHealth | undefined): Promise<void> {
  let failures = 0;
  // The first run also waits a splay, so a fleet restarted together spreads out.
  let due = Date.now() + Math.random() * opts.settings.splay * 1000;
  while (!signal.aborted) {
    await requests.sleep(due - Date.now(), signal);
    if (signal.aborted) break;
    const asked = requests.take();
    if (!asked && Date.now() < due) continue;
    if (asked) hooks.onRunNow?.(asked);
    const noop = asked?.noop ?? opts.noop;
    const ran = await runAndCount({ ...opts, noop }, hooks, deps, failures);
    failures = ran.failures;
    if (!noop && ran.result?.report.catalogDigest) void health?.refresh();
    // A timer run, or a requested run that enforced the catalog, starts the interval over; a
    // requested noop run leaves the timer's run where it was (a noop run enforces nothing).
    if (!asked?.noop) due = Date.now() + nextDelaySeconds(opts.settings, failures) * 1000;
  }
}

/** One run, told to onRun; answers its result and the failures in a row that drive the backoff. */
async function runAndCount(opts: RunOnceOptions, hooks: DaemonHooks, deps: DaemonDeps, failures: number): Promise<{ failures: number; result?: RunResult }> {
  try {
    const result = await deps.runOnce(opts);
    hooks.onRun(result);
    return { failures: result.serverReachable ? 0 : failures + 1, result };
  } catch (err) {
    hooks.onRun(err as Error);
    // A locked or broken state dir should not kill the daemon: report and retry later.
    return { failures: isAnclaError(err, "ANCLA_E_LOCKED") ? failures : failures + 1 };
  }
}
