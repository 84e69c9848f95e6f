// `ancla drift`: the fleet at a glance — nodes by status, runs per day by result.
import { JSON_FLAG, type Subcommand } from "../../core/cli.js";
import { wholeNumberFlag } from "../cli/flags.js";
import { MAX_HISTORY_DAYS, NODE_STATUSES, type DriftDay, type NodeStatus } from "../status.js";
import { ApiClient } from "./client.js";
import { CONNECTION_FLAGS, resolveConnection } from "./connection.js";
import { print, table } from "./output.js";

export const driftCommands: Record<string, Subcommand> = {
  drift: {
    usage: "drift [--days N] [--json]",
    summary: "the fleet at a glance: nodes by status, and runs per day by result (default the last 7 days)",
    flags: { ...CONNECTION_FLAGS, ...JSON_FLAG, days: { type: "string", value: "N", help: "days of history, today included (default 7)" } },
    async run(args) {
      const days = wholeNumberFlag(args, "days", 1, MAX_HISTORY_DAYS) ?? 7;
      const client = new ApiClient(resolveConnection(args));
      const [summary, history] = await Promise.all([
        client.get<{ total: number; by_status: Record<NodeStatus, number> }>("/fleet/summary"),
        client.get<{ days: DriftDay[] }>(`/fleet/drift?days=${days}`),
      ]);
      print(args, { ...summary, days: history.days }, () => describeFleet(summary, history.days));
      return 0;
    },
  },
};

function describeFleet(summary: { total: number; by_status: Record<NodeStatus, number> }, days: DriftDay[]): string {
  const statuses = table(["STATUS", "NODES"], [...NODE_STATUSES.map((s) => [s, summary.by_status[s]]), ["total", summary.total]]);
  const history = table(
    ["DAY", "RUNS", "DRIFTED", "FAILED", "CHANGED", "UNCHANGED", "NOOP"],
    days.map((d) => [d.day, d.runs, d.drifted, d.failed, d.changed, d.unchanged, d.noop]),
  );
  return `${statuses}\n${history}`;
}
