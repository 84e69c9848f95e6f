// Exit codes like Puppet's --detailed-exitcodes: 0 nothing changed, 2 changes
// made, 4 failures, 6 both. A run that could not obtain a catalog at all is a
// failure too (4). A noop run changes nothing, so it exits 0 (or 4).
import { ReportStatus, type Report } from "../../proto/gen/ancla/v1/agent_pb.js";

export function exitCodeFor(report: Report): number {
  const changed = (report.counts?.changed ?? 0) > 0 && !report.noop;
  const failed = report.status === ReportStatus.FAILED || (report.counts?.failed ?? 0) > 0;
  return (changed ? 2 : 0) | (failed ? 4 : 0);
}
