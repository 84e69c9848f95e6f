// The run report from what a run produced: shared by the server-driven run
// (once.ts) and masterless runs, and light to import (no transport).
import { create } from "@bufbuild/protobuf";
import { randomUUID } from "node:crypto";
import type { Catalog } from "../../catalog/model.js";
import { LogLevel, LogLineSchema, ReportSchema, ReportStatus, ResourceCountsSchema, type LogLine, type Report } from "../../proto/gen/ancla/v1/agent_pb.js";
import { DEFAULT_MAX_REPORT_LOG_LINES } from "../../core/limits.js";
import type { ApplyOutcome } from "../engine/apply.js";

export interface ReportParts {
  certname: string;
  started: Date;
  noop: boolean;
  catalog?: Catalog;
  /** Where the catalog came from: server, cache, none; masterless: site, file. */
  source: string;
  outcome?: ApplyOutcome;
  logs: LogLine[];
}

/**
 * The server refuses a report with more log lines than DEFAULT_MAX_REPORT_LOG_LINES (its default
 * max_report_log_lines), and a refused report loses the run's events too; so a chatty run keeps its
 * first lines and says how many it dropped.
 */
function boundedLogs(lines: LogLine[]): LogLine[] {
  if (lines.length <= DEFAULT_MAX_REPORT_LOG_LINES) return lines;
  const kept = lines.slice(0, DEFAULT_MAX_REPORT_LOG_LINES - 1);
  const dropped = lines.length - kept.length;
  const note = create(LogLineSchema, {
    time: new Date().toISOString(),
    level: LogLevel.WARNING,
    message: `${dropped} more log lines dropped: a report carries at most ${DEFAULT_MAX_REPORT_LOG_LINES}`,
  });
  return [...kept, note];
}

export function buildReport(p: ReportParts): Report {
  const catalog = p.catalog;
  return create(ReportSchema, {
    runId: randomUUID(),
    certname: p.certname,
    catalogDigest: catalog?.digest ?? "",
    siteVersion: catalog?.siteVersion ?? "",
    catalogSerial: BigInt(catalog?.serial ?? 0),
    startedAt: p.started.toISOString(),
    durationMs: Date.now() - p.started.getTime(),
    status: p.outcome?.status ?? ReportStatus.FAILED,
    noop: p.noop,
    catalogSource: p.source,
    events: p.outcome?.events ?? [],
    logs: boundedLogs([...p.logs, ...(p.outcome?.logs ?? [])]),
    counts: p.outcome?.counts ?? create(ResourceCountsSchema, {}),
    timings: p.outcome?.timings ?? [],
  });
}
