// A node's status, derived from its latest report, its latest compile failure
// and how long it has been silent. One function, so the API, the CLI and the
// dashboard can never disagree about what "drifted" means.
import type { SiteProblem } from "../catalog/compiler.js";
import type { NodeOverview, NodeRecord, ReportCounts, ReportSummary, Store } from "./store/store.js";

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

function runStatus(r: ReportSummary): NodeStatus {
  if (r.status === "failed" || r.counts.failed > 0 || r.hasFailedEvent) return "failed";
  if (r.hasCorrective || r.counts.corrective > 0) return "drifted";
  if (r.noop && (r.status === "noop" || r.hasPendingNoop)) return "noop-pending";
  if (r.status === "changed") return "changed";
  return "unchanged";
}

export interface NodeSummary {
  certname: string;
  status: NodeStatus;
  lastCheckinAt: Date;
  /** When the server received the latest run's report. */
  lastReportAt?: Date;
  lastRunId?: string;
  catalogDigest?: string;
  siteVersion?: string;
  counts?: ReportCounts;
}

export function summarizeNode(node: NodeOverview, options: StatusOptions = {}): NodeSummary {
  const r = node.latest;
  return {
    certname: node.certname,
    status: nodeStatus(node, options),
    lastCheckinAt: node.lastCheckinAt,
    lastReportAt: r?.receivedAt,
    lastRunId: r?.runId,
    catalogDigest: r?.catalogDigest,
    siteVersion: r?.siteVersion,
    counts: r?.counts,
  };
}

/** Every node with its status, by certname; `status` keeps only the nodes in that status. */
export function listNodes(store: Store, options: StatusOptions & { status?: NodeStatus } = {}): NodeSummary[] {
  const all = store.nodeOverviews().map((n) => summarizeNode(n, options));
  return options.status ? all.filter((n) => n.status === options.status) : all;
}

export interface NodeDetail extends NodeSummary {
  firstCheckinAt: Date;
  facts?: Record<string, unknown>;
  factsUpdatedAt?: Date;
  compileFailure?: { siteVersion: string; at: Date; problems: SiteProblem[] };
}

/** One node in full, or undefined when the server has never heard of it. */
export function nodeDetail(store: Store, certname: string, options: StatusOptions = {}): NodeDetail | undefined {
  const node: NodeRecord | undefined = store.getNode(certname);
  if (!node) return undefined;
  const failure = store.getCompileFailure(certname);
  const overview: NodeOverview = { ...node, latest: store.latestReportSummary(certname), compileFailureAt: failure?.at };
  return {
    ...summarizeNode(overview, options),
    firstCheckinAt: node.firstCheckinAt,
    facts: node.facts,
    factsUpdatedAt: node.factsUpdatedAt,
    compileFailure: failure && { siteVersion: failure.siteVersion, at: failure.at, problems: failure.problems },
  };
}
