// The store's part for run reports: each report whole (events in their own
// table), indexed summaries for listings, keyset pages, retention.
import type { Event, Report } from "../../proto/gen/ancla/v1/agent_pb.js";
import type { ReportSummary } from "./nodes.js";

export const MAX_REPORT_PAGE = 500;

export interface ReportQuery {
  certname?: string;
  /** The agent's report status: changed | unchanged | failed | noop. */
  status?: string;
  /** Reports with at least one changed event. */
  changesOnly?: boolean;
  /** Reports with at least one corrective event. */
  correctiveOnly?: boolean;
  /** Runs started at or after this time. */
  since?: Date;
  /** At most 500. */
  limit: number;
  /** Opaque keyset cursor from a previous page's `next`. */
  cursor?: string;
}

export interface ReportPage {
  reports: ReportSummary[];
  /** The cursor of the next page; absent on the last page. */
  next?: string;
}

export interface EventQuery {
  changesOnly?: boolean;
  correctiveOnly?: boolean;
  limit: number;
  offset: number;
}

export interface ReportStore {
  /** Stores the report and its events, whole or not at all; false (storing nothing) when this node already stored the run id. */
  saveReport(report: Report, receivedAt: Date): Promise<boolean>;
  /** The node's most recent run (by the server's receive time: the agent's clock may be wrong). */
  latestReport(certname: string): Promise<Report | undefined>;
  latestReportSummary(certname: string): Promise<ReportSummary | undefined>;
  /** Newest run first (by receive time), keyset-paged. */
  listReports(q: ReportQuery): Promise<ReportPage>;
  /**
   * A stored report in full: events, logs, timings. Run ids are unique per
   * node; without `certname`, a run id two nodes reported is refused with
   * ANCLA_E_RUN_ID_AMBIGUOUS (naming them) rather than one picked.
   */
  getReport(runId: string, certname?: string): Promise<Report | undefined>;
  getReportSummary(runId: string, certname?: string): Promise<ReportSummary | undefined>;
  /** The events of a report in the order the agent sent them. */
  reportEvents(runId: string, q: EventQuery, certname?: string): Promise<{ total: number; events: Event[] }>;
  /**
   * Deletes up to `batch` reports (and their events) received before
   * `before`, except each node's latest run, which its summary stands on.
   * Resolves with how many were deleted; call again until it is less than `batch`.
   */
  pruneReports(before: Date, batch: number): Promise<number>;
}
