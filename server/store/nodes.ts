// The store's part for nodes: who checked in when, their facts (also as
// indexed path/value rows for fact filters), and the one-row-per-node summary
// lists and status counts are computed from.

export interface NodeRecord {
  certname: string;
  firstCheckinAt: Date;
  lastCheckinAt: Date;
  facts?: Record<string, unknown>;
  factsUpdatedAt?: Date;
  /** Set by an operator; cleared by the node's next check-in or report. */
  deactivatedAt?: Date;
  /** Its environment as of its last successful compile (nodes.yaml `environment:`). */
  environment?: string;
}

export interface ReportCounts {
  total: number;
  changed: number;
  failed: number;
  skipped: number;
  corrective: number;
}

/** The indexed columns of a stored report: what status and listings need without parsing the report. */
export interface ReportSummary {
  runId: string;
  certname: string;
  /** changed | unchanged | failed | noop, as the agent reported it. */
  status: string;
  noop: boolean;
  catalogDigest: string;
  siteVersion: string;
  startedAt: Date;
  receivedAt: Date;
  durationMs: number;
  counts: ReportCounts;
  /** Some event changed something (intentional or corrective). */
  hasChanges: boolean;
  /** Some event was corrective (drift). */
  hasCorrective: boolean;
  /** Some event is a change a noop run held back. */
  hasPendingNoop: boolean;
  hasFailedEvent: boolean;
}

/** One node with what its status is computed from, in one query for all nodes. */
export interface NodeOverview {
  certname: string;
  firstCheckinAt: Date;
  lastCheckinAt: Date;
  latest?: ReportSummary;
  compileFailureAt?: Date;
  environment?: string;
}

/**
 * What a node list asks the store for. Status is evaluated in SQL at `now`
 * from the stored summaries; server/status.ts owns what each status means and
 * the tests hold the two to agreement.
 */
/** The orders a node list can be sorted in: the API, the dashboard's fleet page and `ancla nodes --sort` offer these. */
export const NODE_SORTS = ["certname", "status", "last_run"] as const;
export type NodeSort = (typeof NODE_SORTS)[number];

export interface NodeFilter {
  now: Date;
  unresponsiveAfterMs: number;
  status?: string;
  /** Certname substring, case-insensitive. */
  search?: string;
  environment?: string;
  /** A flattened fact path (dots between keys, array items by index) equal to a value, compared as text. */
  fact?: { path: string; value: string };
  sort: NodeSort;
  order: "asc" | "desc";
  limit: number;
  offset: number;
}

/** Runs of one UTC day by the status of each run (server/status.ts runStatus), kept on ingest. */
export interface DayRollup {
  /** YYYY-MM-DD, UTC, of the run's start. */
  day: string;
  runs: number;
  failed: number;
  drifted: number;
  noop: number;
  changed: number;
  unchanged: number;
}

export interface NodeStore {
  /** A check-in: creates the node on first contact; facts, when given, replace the stored ones. */
  recordCheckin(certname: string, facts: Record<string, unknown> | undefined, at: Date): Promise<void>;
  getNode(certname: string): Promise<NodeRecord | undefined>;
  /** One page of active nodes matching the filter, with the number of all matches. */
  queryNodes(q: NodeFilter): Promise<{ total: number; nodes: NodeOverview[] }>;
  /** Leaves the node out of lists and counts until it checks in or reports again; false when there is no such node. */
  deactivateNode(certname: string, at: Date): Promise<boolean>;
  /** Deletes the node with its facts, reports, catalogs and compile failure (not its certificates); false when there is no such node. */
  removeNode(certname: string): Promise<boolean>;
  /** How many active nodes are in each status at `now` (statuses with no node are absent). */
  countNodesByStatus(o: { now: Date; unresponsiveAfterMs: number }): Promise<Record<string, number>>;
  /** Daily rollups from `fromDay` to `toDay` inclusive (YYYY-MM-DD); days without runs are absent. */
  reportDays(fromDay: string, toDay: string): Promise<DayRollup[]>;
  /** The node's environment, from its last successful compile. */
  recordEnvironment(certname: string, environment: string): Promise<void>;
}
