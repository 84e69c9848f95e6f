// Human output of a run: one line per event, then a summary line.
import type { Report } from "../../proto/gen/ancla/v1/agent_pb.js";

export function formatReport(report: Report): string {
  const lines: string[] = [];
  for (const e of report.events) {
    const kind = e.result === "changed" ? (e.corrective ? "corrected drift" : "changed") : e.result;
    const values = e.property ? ` ${e.property}: ${e.actual || "-"} -> ${e.desired || "-"}` : "";
    lines.push(`${kind.padEnd(15)} ${e.resource}${values}${e.message ? ` (${e.message})` : ""}`);
  }
  const c = report.counts;
  lines.push(
    `run ${report.runId}: ${report.status}; catalog ${report.catalogDigest.slice(0, 12) || "none"} from ${report.catalogSource}; ` +
      `${c?.total ?? 0} resources, ${c?.changed ?? 0} changed (${c?.corrective ?? 0} corrective), ${c?.failed ?? 0} failed, ${c?.skipped ?? 0} skipped; ${report.durationMs} ms`,
  );
  return lines.join("\n");
}
