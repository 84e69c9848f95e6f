// The store's part for health: what agents' probes measured (attempts, errors
// by kind, a latency histogram) per node, probe and minute, and how busy each
// host was per minute; rolled up per hour once a day old. Its own interface,
// asynchronous, so that a PostgreSQL store is a second implementation of it
// and not a rewrite. Every time here is the server's (see server/health/validate.ts
// for how a window is placed): an agent's clock never decides where data lands.
import type { Bucket, Histogram } from "../../catalog/health/histogram.js";

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** How long each resolution is kept, and when minutes are rolled up into hours. */
export const HEALTH_RETENTION = {
  /** Minutes older than this are summed into their hour (the minutes stay until `minutesMs`). */
  rollUpAfterMs: DAY_MS,
  minutesMs: 2 * DAY_MS,
  /** 35 days: a 30-day SLO window is covered whole. */
  hoursMs: 35 * DAY_MS,
  /** Batch ids remembered for redelivery: an agent's disk queue retries for far less than this. */
  batchIdsMs: DAY_MS,
} as const;

export interface ErrorCounts {
  timeout: number;
  refused: number;
  status: number;
  body: number;
}

export function errorTotal(e: ErrorCounts): number {
  return e.timeout + e.refused + e.status + e.body;
}

/** One probe window as stored: validated, and placed in server time. */
export interface ProbeWindowRecord {
  probe: string;
  /** The window's end in server time. */
  at: Date;
  durationMs: number;
  siteVersion: string;
  count: number;
  errors: ErrorCounts;
  /** Sparse, ascending (histogramProblem found nothing wrong). */
  latency: Bucket[];
}

export interface SaturationRecord {
  /** The window's end in server time. */
  at: Date;
  durationMs: number;
  cpu: number;
  memory: number;
  load: number;
  /** The fullest managed mount's used fraction in this window; undefined when the agent listed no mount. */
  disk: number | undefined;
}

/** A ReportHealth batch, validated and placed (server/health/validate.ts). */
export interface HealthBatch {
  batchId: string;
  probes: ProbeWindowRecord[];
  saturation: SaturationRecord[];
}

export interface ProbeTotals {
  nodes: number;
  count: number;
  errors: ErrorCounts;
  latency: Histogram;
}

/** Means over the window; disk = the fullest mount. */
export interface NodeSaturation {
  certname: string;
  minutes: number;
  cpu: number;
  memory: number;
  disk: number;
  load: number;
}

export interface HealthStore {
  /** Stores the batch whole; false (storing nothing) when this node already stored its batch id. */
  saveHealth(certname: string, batch: HealthBatch, receivedAt: Date): Promise<boolean>;
  /** Totals of one probe over [from, to) for these nodes (undefined: every node). */
  probeTotals(probe: string, certnames: readonly string[] | undefined, from: Date, to: Date): Promise<ProbeTotals>;
  /** The same, one entry per minute (hour beyond the minute retention), for charts and SLO burn. */
  probeSeries(probe: string, certnames: readonly string[] | undefined, from: Date, to: Date): Promise<{ at: Date; totals: ProbeTotals }[]>;
  saturation(certnames: readonly string[] | undefined, from: Date, to: Date): Promise<NodeSaturation[]>;
  /** A node's probes over a window, for its page. */
  nodeProbes(certname: string, from: Date, to: Date): Promise<{ probe: string; totals: ProbeTotals }[]>;
  /** Rolls minutes a day old up into hours, then deletes what is past retention; resolves with the rows deleted. */
  pruneHealth(now: Date): Promise<number>;
}
