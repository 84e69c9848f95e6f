// What one node may send in one call. Each bound is far above a real host (a
// large server has a few thousand facts and a catalog of a few thousand
// resources) and far below what froze the server in the attack run (400,000
// facts blocked the event loop 25 s): a call over a bound is refused with
// INVALID_ARGUMENT naming the bound and the value, before any store or compile
// work, so a hostile or broken node costs the server a decode and a walk.
import type { Report } from "../../proto/gen/ancla/v1/agent_pb.js";
import { DEFAULT_MAX_REPORT_LOG_LINES } from "../../core/limits.js";
import { rpcFail } from "./status.js";

export interface MessageLimits {
  /** Keys and array elements in a node's facts, counted at every depth. */
  maxFacts: number;
  /** UTF-8 bytes of the facts' keys and string values. */
  maxFactsBytes: number;
  /** Nesting of objects and arrays in the facts. */
  maxFactsDepth: number;
  /** Events in one run report (also its resource timings: one per resource). */
  maxReportEvents: number;
  /** Log lines in one run report. */
  maxReportLogLines: number;
}

export const DEFAULT_MESSAGE_LIMITS: MessageLimits = {
  maxFacts: 10_000,
  maxFactsBytes: 1024 * 1024,
  maxFactsDepth: 16,
  maxReportEvents: 20_000,
  maxReportLogLines: DEFAULT_MAX_REPORT_LOG_LINES,
};

/** Walks the facts once, stopping at the first bound crossed, so the cost is bounded by the limits rather than the input. */
export function checkFacts(facts: unknown, limits: MessageLimits): void {
  let count = 0;
  let bytes = 0;
  const stack: { value: unknown; depth: number }[] = [{ value: facts, depth: 0 }];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const { value, depth } = item;
    if (typeof value === "string") bytes += Buffer.byteLength(value);
    if (typeof value === "object" && value !== null) {
      if (depth >= limits.maxFactsDepth) overLimit("nest deeper than", limits.maxFactsDepth, "levels", "max_facts_depth");
      const entries = Array.isArray(value) ? value.map((v: unknown) => ["", v] as const) : Object.entries(value);
      count += entries.length;
      if (count > limits.maxFacts) overLimit("hold more than", limits.maxFacts, "entries", "max_facts");
      for (const [key, child] of entries) {
        bytes += Buffer.byteLength(key);
        stack.push({ value: child, depth: depth + 1 });
      }
    }
    if (bytes > limits.maxFactsBytes) overLimit("hold more than", limits.maxFactsBytes, "bytes of keys and strings", "max_facts_bytes");
  }
}

export function checkReportSize(report: Report, limits: MessageLimits): void {
  countAtMost("report.events", report.events.length, limits.maxReportEvents, "max_report_events");
  countAtMost("report.timings", report.timings.length, limits.maxReportEvents, "max_report_events");
  countAtMost("report.logs", report.logs.length, limits.maxReportLogLines, "max_report_log_lines");
}

function countAtMost(field: string, count: number, max: number, setting: string): void {
  if (count > max) rpcFail("ANCLA_E_INVALID_ARGUMENT", `${field} has ${count} entries, over the limit of ${max} (${setting})`);
}

/** The exact count would take the full walk the limit is there to avoid, so the message says "more than". */
function overLimit(what: string, max: number, unit: string, setting: string): never {
  return rpcFail("ANCLA_E_INVALID_ARGUMENT", `facts ${what} ${max} ${unit}, the limit (${setting})`);
}
