// Retention: reports (here), health data (HealthStore.pruneHealth) and
// releases (server/releases/retention.ts), on one schedule. Report
// retention: runs received more than N days ago (the server's clock: an
// agent's may be years off) are deleted on a schedule, in small
// batches with a yield to the event loop between them, so a server pruning a
// million events keeps answering agents and operators. Each node's latest run
// is kept whatever its age (its status stands on it); daily rollups are never
// pruned, so drift history outlives the reports it counts.
import type { Logger } from "../log.js";
import type { Store } from "./store.js";

export const DEFAULT_RETENTION_DAYS = 30;
export const DEFAULT_PRUNE_BATCH = 500;
/** How often the schedule runs: hourly is plenty for a cutoff counted in days. */
export const PRUNE_INTERVAL_MS = 3_600_000;

const DAY_MS = 86_400_000;

export interface RetentionOptions {
  /** Reports received more than this many days ago are deleted; 0 keeps everything. */
  days: number;
  batch?: number;
  now?: () => Date;
  /** Checked between batches: true ends the prune early (the server is stopping). */
  aborted?: () => boolean;
}

/** Deletes every report past the cutoff, batch by batch; resolves with how many it deleted. */
export async function pruneReports(store: Store, opts: RetentionOptions): Promise<number> {
  if (opts.days <= 0) return 0;
  const batch = opts.batch ?? DEFAULT_PRUNE_BATCH;
  const before = new Date((opts.now?.() ?? new Date()).getTime() - opts.days * DAY_MS);
  let total = 0;
  for (;;) {
    const deleted = await store.reports.pruneReports(before, batch);
    total += deleted;
    if (deleted < batch || opts.aborted?.()) return total;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

export interface RetentionSchedule {
  /** Stops the schedule; a prune under way ends after its current batch, and stop resolves then (so the store can be closed). */
  stop(): Promise<void>;
}

/** Prunes now and then every `intervalMs`; failures are logged, never thrown (the next round retries). */
export function scheduleRetention(
  store: Store,
  opts: RetentionOptions & {
    intervalMs?: number;
    logger: Logger;
    onPruned?: (count: number) => void;
    /** Release retention (server/releases/retention.ts), run in the same rounds whatever `days` says. */
    releases?: () => Promise<{ releases: number; files: number }>;
  },
): RetentionSchedule {
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const round = (): void => {
    running = running.then(async () => {
      try {
        const count = await pruneReports(store, { ...opts, aborted: () => stopped });
        opts.onPruned?.(count);
        if (count > 0) opts.logger.info({ count, days: opts.days }, "pruned old reports");
      } catch (err) {
        opts.logger.error({ err }, "report retention failed; retrying next round");
      }
      try {
        // Health data has its own fixed retention (HEALTH_RETENTION), whatever `days` says.
        const count = stopped ? 0 : await store.health.pruneHealth(opts.now?.() ?? new Date());
        if (count > 0) opts.logger.info({ count }, "pruned health data past retention");
      } catch (err) {
        opts.logger.error({ err }, "health retention failed; retrying next round");
      }
      try {
        const pruned = stopped ? undefined : await opts.releases?.();
        if (pruned && pruned.releases > 0) opts.logger.info(pruned, "pruned releases no node or rollout references");
      } catch (err) {
        opts.logger.error({ err }, "release retention failed; retrying next round");
      }
    });
  };
  round();
  const timer = setInterval(round, opts.intervalMs ?? PRUNE_INTERVAL_MS);
  timer.unref();
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
