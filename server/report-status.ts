// The status of a report as an agent sent it (the wire message), derived once
// at ingest; the store keeps it beside the report. Apart from status.ts, so
// that what only needs the status words (the operator CLI) does not load the
// protobuf runtime.
import { EventResult, type Event, type Report } from "../proto/gen/ancla/v1/agent_pb.js";
import { reportStatusWords } from "../proto/report-words.js";
import { runStatus, type RunStatus } from "./status.js";
import type { ReportCounts, ReportSummary } from "./store/store.js";

/** The event flags of a report, as the store keeps them beside it. */
export function eventFlags(events: readonly Pick<Event, "result" | "corrective">[]): Pick<ReportSummary, "hasChanges" | "hasCorrective" | "hasPendingNoop" | "hasFailedEvent"> {
  return {
    hasChanges: events.some((e) => e.result === EventResult.CHANGED),
    hasCorrective: events.some((e) => e.corrective),
    hasPendingNoop: events.some((e) => e.result === EventResult.NOOP),
    hasFailedEvent: events.some((e) => e.result === EventResult.FAILED),
  };
}

/** A report's resource counts, zeros where the agent sent none. */
export function countsOf(report: Report): ReportCounts {
  const c = report.counts;
  return { total: c?.total ?? 0, changed: c?.changed ?? 0, failed: c?.failed ?? 0, skipped: c?.skipped ?? 0, corrective: c?.corrective ?? 0 };
}

/** The run status of a report as an agent sent it. */
export function reportRunStatus(report: Report): RunStatus {
  return runStatus({ status: reportStatusWords.word(report.status), noop: report.noop, counts: countsOf(report), ...eventFlags(report.events) });
}
