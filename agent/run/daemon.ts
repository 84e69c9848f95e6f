// `ancla-agent run` without --once: run, sleep the interval plus a random
// splay, repeat. While the server is away, retry sooner with exponential
// backoff (but never more often than every BACKOFF_BASE seconds, never later
// than the interval), so a returning server sees the fleet back quickly
// without a thundering herd.
import { isAnclaError } from "../../proto/errors.js";
import type { AgentSettings } from "../settings.js";
import { runOnce, type RunOnceOptions, type RunResult } from "./once.js";

const BACKOFF_BASE_SECONDS = 15;

export function nextDelaySeconds(settings: Pick<AgentSettings, "runInterval" | "splay">, failuresInARow: number, random = Math.random): number {
  const splay = random() * settings.splay;
  if (failuresInARow === 0) return settings.runInterval + splay;
  const backoff = BACKOFF_BASE_SECONDS * 2 ** (failuresInARow - 1);
  return Math.min(settings.runInterval, backoff) + splay;
}

export interface DaemonHooks {
  onRun(result: RunResult | Error): void;
  /** Resolves when the daemon should stop (SIGTERM); checked between runs. */
  stopped: Promise<void>;
}

export async function runDaemon(opts: RunOnceOptions, hooks: DaemonHooks): Promise<void> {
  let stop = false;
  void hooks.stopped.then(() => (stop = true));
  let failures = 0;
  // The first run also waits a splay, so a fleet restarted together spreads out.
  let delay = Math.random() * opts.settings.splay;
  while (!stop) {
    if (await sleepUnlessStopped(delay * 1000, hooks.stopped)) break;
    try {
      const result = await runOnce(opts);
      failures = result.serverReachable ? 0 : failures + 1;
      hooks.onRun(result);
    } catch (err) {
      // A locked or broken state dir should not kill the daemon: report and retry later.
      failures = isAnclaError(err, "ANCLA_E_LOCKED") ? failures : failures + 1;
      hooks.onRun(err as Error);
    }
    delay = nextDelaySeconds(opts.settings, failures);
  }
}

/** True when stopped during the sleep. */
function sleepUnlessStopped(ms: number, stopped: Promise<void>): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void stopped.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}
