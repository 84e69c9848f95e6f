// A node's status, derived from its latest report, its latest compile failure
// and how long it has been silent. One function, so the API, the CLI and the
// dashboard can never disagree about what "drifted" means.
import type { SiteProblem } from "../catalog/compile-seam.js";
import { AnclaError } from "../core/errors.js";
import type { NodeOverview, NodeRecord, NodeSort, ReportCounts, ReportSummary, Store } from "./store/store.js";

export const NODE_STATUSES = [
  "compile-failed",
  "unresponsive",
  "failed",
  "drifted",
  "noop-pending",
  "changed",
  "unchanged",
  // Checked in recently but has not sent a report yet (e.g. its first run is under way).
  "unreported",
] as const;

export type NodeStatus = (typeof NODE_STATUSES)[number];

/** Agents run every 30 minutes by default; three missed runs make a node unresponsive. */
export const DEFAULT_UNRESPONSIVE_AFTER_MS = 3 * 30 * 60_000;

export interface StatusOptions {
  now?: Date;
  unresponsiveAfterMs?: number;
}

export function isNodeStatus(s: string): s is NodeStatus {
  return (NODE_STATUSES as readonly string[]).includes(s);
}

/**
 * The status, most urgent first: a site that does not compile for the node is
 * the operator's to fix, so it outranks the rest for as long as it stands (the
 * failure is cleared by the next successful compile) — even though the agent
 * keeps reporting runs of its cached catalog meanwhile; then silence; then
 * what the last run says.
 */
export function nodeStatus(node: NodeOverview, options: StatusOptions = {}): NodeStatus {
  const now = (options.now ?? new Date()).getTime();
  const threshold = options.unresponsiveAfterMs ?? DEFAULT_UNRESPONSIVE_AFTER_MS;
  const { latest, compileFailureAt } = node;
  if (compileFailureAt) return "compile-failed";
  // A node that never reported is measured from its first contact.
  const silentSince = latest ? latest.receivedAt : node.firstCheckinAt;
  if (now - silentSince.getTime() > threshold) return "unresponsive";
  if (!latest) return "unreported";
  return runStatus(latest);
}

/** What one run says, on its own: the status its node has while it is the latest run and nothing outranks it. */
export type RunStatus = "failed" | "drifted" | "noop-pending" | "changed" | "unchanged";

/** What runStatus reads of a report. */
export type RunFacts = Pick<ReportSummary, "status" | "noop" | "counts" | "hasCorrective" | "hasPendingNoop" | "hasFailedEvent">;

/**
 * The store keeps each report's run status from ingest (filters and counts
 * read it), so a change here needs a migration that recomputes reports.run_status
 * and node_summaries.run_status, as migration 2 does.
 */
export function runStatus(r: RunFacts): RunStatus {
  if (r.status === "failed" || r.counts.failed > 0 || r.hasFailedEvent) return "failed";
  if (r.hasCorrective || r.counts.corrective > 0) return "drifted";
  if (r.noop && (r.status === "noop" || r.hasPendingNoop)) return "noop-pending";
  if (r.status === "changed") return "changed";
  return "unchanged";
}

/** A run whose agent clock is off the server's by more than this is flagged (API, CLI, dashboard). */
export const CLOCK_SKEW_FLAG_SECONDS = 60;

/**
 * The agent's clock minus the server's, from one report: the run's end by the
 * agent's clock (start + duration) against when the server received it.
 * Positive: the agent is ahead. A report delivered late from the agent's queue
 * counts its delay too; a node's latest run is delivered right after it ends.
 */
export function clockSkewSeconds(r: Pick<ReportSummary, "startedAt" | "durationMs" | "receivedAt">): number {
  return Math.round((r.startedAt.getTime() + r.durationMs - r.receivedAt.getTime()) / 1000);
}

export function isClockSkewed(seconds: number): boolean {
  return Math.abs(seconds) > CLOCK_SKEW_FLAG_SECONDS;
}

export interface NodeSummary {
  certname: string;
  status: NodeStatus;
  lastCheckinAt: Date;
  /** When the server received the latest run's report. */
  lastReportAt?: Date;
  lastRunId?: string;
  /** When the latest run started (the agent's clock; runs are ordered by lastReportAt, the server's). */
  lastRunAt?: Date;
  /** The latest run's clockSkewSeconds. */
  clockSkewSeconds?: number;
  /** The latest run's own status, as the agent reported it (changed | unchanged | failed | noop). */
  lastRunStatus?: string;
  lastRunNoop?: boolean;
  lastRunDurationMs?: number;
  catalogDigest?: string;
  siteVersion?: string;
  counts?: ReportCounts;
  /** The latest run corrected drift. */
  corrective?: boolean;
  /** The latest run had a failure. */
  failed?: boolean;
  /** Since when the site has not compiled for the node. */
  compileFailedAt?: Date;
  environment?: string;
}

export function summarizeNode(node: NodeOverview, options: StatusOptions = {}): NodeSummary {
  const r = node.latest;
  return {
    certname: node.certname,
    status: nodeStatus(node, options),
    lastCheckinAt: node.lastCheckinAt,
    lastReportAt: r?.receivedAt,
    lastRunId: r?.runId,
    lastRunAt: r?.startedAt,
    clockSkewSeconds: r && clockSkewSeconds(r),
    lastRunStatus: r?.status,
    lastRunNoop: r?.noop,
    lastRunDurationMs: r?.durationMs,
    catalogDigest: r?.catalogDigest,
    siteVersion: r?.siteVersion,
    counts: r?.counts,
    corrective: r && (r.hasCorrective || r.counts.corrective > 0),
    failed: r && runStatus(r) === "failed",
    compileFailedAt: node.compileFailureAt,
    environment: node.environment,
  };
}

export interface NodeQuery extends StatusOptions {
  status?: NodeStatus;
  /** Certname substring, case-insensitive. */
  search?: string;
  /** Dotted fact path equals value, e.g. { path: "os.family", value: "debian" }; compared as text. */
  fact?: { path: string; value: string };
  /** Only nodes in this environment (as of their last successful compile). */
  environment?: string;
  sort?: NodeSort;
  order?: "asc" | "desc";
  /** Default 100, at most 1000. */
  limit?: number;
  offset?: number;
}

export interface NodePage {
  /** All nodes matching the query, not just this page. */
  total: number;
  nodes: NodeSummary[];
  /** The page's size and position as used (the defaults when the query left them out). */
  limit: number;
  offset: number;
}

export const DEFAULT_NODE_LIMIT = 100;
export const MAX_NODE_LIMIT = 1000;

/**
 * One page of nodes with their status. Filtering, sorting and counting run in
 * the store over per-node summaries kept on ingest; the status shown is
 * computed here, by nodeStatus, from the same row.
 */
export async function listNodes(store: Store, q: NodeQuery = {}): Promise<NodePage> {
  const options = statusOptions(q);
  const limit = q.limit ?? DEFAULT_NODE_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_NODE_LIMIT) {
    throw new AnclaError("ANCLA_E_INVALID_ARGUMENT", `limit must be a whole number from 1 to ${MAX_NODE_LIMIT}, got ${limit}`);
  }
  const offset = q.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0) throw new AnclaError("ANCLA_E_INVALID_ARGUMENT", `offset must be a whole number from 0, got ${offset}`);
  const page = await store.nodes.queryNodes({
    ...options,
    status: q.status,
    search: q.search || undefined,
    environment: q.environment,
    fact: q.fact,
    sort: q.sort ?? "certname",
    order: q.order ?? "asc",
    limit,
    offset,
  });
  return { total: page.total, nodes: page.nodes.map((n) => summarizeNode(n, options)), limit, offset };
}

/** How many nodes are in each status; every status is present. */
export async function fleetSummary(store: Store, o: StatusOptions = {}): Promise<{ total: number; byStatus: Record<NodeStatus, number> }> {
  const counts = await store.nodes.countNodesByStatus(statusOptions(o));
  const byStatus = Object.fromEntries(NODE_STATUSES.map((s) => [s, counts[s] ?? 0])) as Record<NodeStatus, number>;
  return { total: Object.values(byStatus).reduce((a, b) => a + b, 0), byStatus };
}

export interface DriftDay {
  /** YYYY-MM-DD, UTC. */
  day: string;
  runs: number;
  drifted: number;
  failed: number;
  changed: number;
  unchanged: number;
  /** Noop runs that held changes back (run status noop-pending). */
  noop: number;
}

const DAY_MS = 86_400_000;
/** How many days of drift history the API and the dashboard show unless asked. */
export const DEFAULT_HISTORY_DAYS = 30;
export const MAX_HISTORY_DAYS = 366;

/** Runs per UTC day by run status for the last `days` days up to today, oldest first; days without runs are zeros. */
export async function driftHistory(store: Store, o: { days: number; now?: Date }): Promise<DriftDay[]> {
  if (!Number.isInteger(o.days) || o.days < 1 || o.days > MAX_HISTORY_DAYS) {
    throw new AnclaError("ANCLA_E_INVALID_ARGUMENT", `days must be a whole number from 1 to ${MAX_HISTORY_DAYS}, got ${o.days}`);
  }
  const today = Math.floor((o.now ?? new Date()).getTime() / DAY_MS) * DAY_MS;
  const days = Array.from({ length: o.days }, (_, i) => new Date(today - (o.days - 1 - i) * DAY_MS).toISOString().slice(0, 10));
  const stored = new Map((await store.nodes.reportDays(days[0], days[days.length - 1])).map((d) => [d.day, d]));
  return days.map((day) => {
    const d = stored.get(day);
    return { day, runs: d?.runs ?? 0, drifted: d?.drifted ?? 0, failed: d?.failed ?? 0, changed: d?.changed ?? 0, unchanged: d?.unchanged ?? 0, noop: d?.noop ?? 0 };
  });
}

function statusOptions(o: StatusOptions): { now: Date; unresponsiveAfterMs: number } {
  return { now: o.now ?? new Date(), unresponsiveAfterMs: o.unresponsiveAfterMs ?? DEFAULT_UNRESPONSIVE_AFTER_MS };
}

export interface NodeDetail extends NodeSummary {
  firstCheckinAt: Date;
  /** Deactivated by an operator: out of lists and counts until it checks in again. */
  deactivatedAt?: Date;
  facts?: Record<string, unknown>;
  factsUpdatedAt?: Date;
  compileFailure?: { siteVersion: string; at: Date; problems: SiteProblem[] };
}

/** One node in full, or undefined when the server has never heard of it. */
export async function nodeDetail(store: Store, certname: string, options: StatusOptions = {}): Promise<NodeDetail | undefined> {
  const node: NodeRecord | undefined = await store.nodes.getNode(certname);
  if (!node) return undefined;
  const failure = await store.catalogs.getCompileFailure(certname);
  const overview: NodeOverview = { ...node, latest: await store.reports.latestReportSummary(certname), compileFailureAt: failure?.at };
  return {
    ...summarizeNode(overview, options),
    firstCheckinAt: node.firstCheckinAt,
    deactivatedAt: node.deactivatedAt,
    facts: node.facts,
    factsUpdatedAt: node.factsUpdatedAt,
    compileFailure: failure && { siteVersion: failure.siteVersion, at: failure.at, problems: failure.problems },
  };
}
