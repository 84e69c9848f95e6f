// Human output of a run: one line per event, then a summary line.
import { EventResult, type Report } from "../../proto/gen/ancla/v1/agent_pb.js";
import { eventResultWords, reportStatusWords } from "../../proto/report-words.js";

export function formatReport(report: Report): string {
  const lines: string[] = [];
  for (const e of report.events) {
    const kind = e.result === EventResult.CHANGED ? (e.corrective ? "corrected drift" : "changed") : eventResultWords.word(e.result);
    const values = e.property ? ` ${e.property}: ${e.actual || "-"} -> ${e.desired || "-"}` : "";
    lines.push(`${kind.padEnd(15)} ${e.resource}${values}${e.message ? ` (${e.message})` : ""}`);
  }
  const c = report.counts;
  lines.push(
    `run ${report.runId}: ${reportStatusWords.word(report.status)}; catalog ${report.catalogDigest.slice(0, 12) || "none"} from ${report.catalogSource}; ` +
      `${c?.total ?? 0} resources, ${c?.changed ?? 0} changed (${c?.corrective ?? 0} corrective), ${c?.failed ?? 0} failed, ${c?.skipped ?? 0} skipped; ${report.durationMs} ms`,
  );
  return lines.join("\n");
}
