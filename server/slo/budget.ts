// Error budgets: an SLO promises `objective` % good attempts over its
// window, so (100 − objective) % of them may be bad. The budget remaining is
// the share of that allowance not spent yet; the burn rate is how fast it is
// being spent (1: exactly spent at the end of the window; Google's SRE
// workbook's alerting pairs, 14.4 over 1 h, read against it).
import { bucketBounds, HISTOGRAM_BUCKETS, type Histogram } from "../../catalog/health/histogram.js";
import type { Slo } from "../../catalog/site/slos.js";
import type { ProbeTotals } from "../store/health.js";

export interface Budget {
  slo: string;
  probe: string;
  objective: number;
  windowSeconds: number;
  latencyMs?: number;
  environment?: string;
  /** Attempts over the window, and how many of them were good. */
  total: number;
  good: number;
  /** Bad attempts the objective allows over this many attempts. */
  allowedBad: number;
  /** 1: untouched, 0: spent, below 0: overspent. 1 when nothing was measured. */
  remaining: number;
  /** Bad share over the window divided by the allowed share. */
  burnRate: number;
  /** The same over the last hour: how fast it burns now. */
  burnRate1h: number;
  exhausted: boolean;
}

export function budgetOf(slo: Slo, window: ProbeTotals, lastHour: ProbeTotals): Budget {
  const allowedShare = 1 - slo.objective / 100;
  const good = goodOf(slo, window);
  const bad = window.count - good;
  const allowedBad = allowedShare * window.count;
  const remaining = window.count === 0 ? 1 : 1 - bad / allowedBad;
  return {
    slo: slo.name,
    probe: slo.probe,
    objective: slo.objective,
    windowSeconds: slo.windowSeconds,
    ...(slo.latencyMs !== undefined ? { latencyMs: slo.latencyMs } : {}),
    ...(slo.environment !== undefined ? { environment: slo.environment } : {}),
    total: window.count,
    good,
    allowedBad,
    remaining,
    burnRate: burnRate(window.count, bad, allowedShare),
    burnRate1h: burnRate(lastHour.count, lastHour.count - goodOf(slo, lastHour), allowedShare),
    exhausted: window.count > 0 && remaining <= 0,
  };
}

/** Attempts with no error, and, for a latency SLO, answered within its threshold. */
function goodOf(slo: Slo, t: ProbeTotals): number {
  const ok = t.count - t.errors.timeout - t.errors.refused - t.errors.status - t.errors.body;
  if (slo.latencyMs === undefined) return ok;
  // The histogram holds erroneous answers too: the fast ones cannot outnumber the good ones.
  return Math.min(ok, Math.round(countAtOrBelow(t.latency, slo.latencyMs)));
}

/** Samples at or below `ms`, interpolating within the bucket `ms` falls in (as the quantiles do). */
export function countAtOrBelow(h: Histogram, ms: number): number {
  let n = 0;
  for (let i = 0; i < HISTOGRAM_BUCKETS; i++) {
    const c = h.counts[i];
    if (c === 0) continue;
    const [lo, hi] = bucketBounds(i);
    if (hi <= ms) n += c;
    else if (lo < ms) n += (c * (ms - lo)) / (hi - lo);
    else break;
  }
  return n;
}

function burnRate(total: number, bad: number, allowedShare: number): number {
  return total === 0 ? 0 : bad / total / allowedShare;
}
