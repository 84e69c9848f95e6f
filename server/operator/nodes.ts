// `ancla nodes [--status S]` and `ancla node show NAME`
import { formatProblem } from "../../catalog/compiler.js";
import { str, usageError, type Subcommand } from "../../proto/cli.js";
import type { NodeDetailView, NodeView } from "../http/views.js";
import { isNodeStatus, NODE_STATUSES } from "../status.js";
import { ApiClient } from "./client.js";
import { CONNECTION_FLAGS, resolveConnection } from "./connection.js";
import { print, table, when } from "./output.js";

const flags = { ...CONNECTION_FLAGS, json: { type: "boolean" } } as const;

export const nodeCommands: Record<string, Subcommand> = {
  nodes: {
    usage: "nodes [--status S] [--json]",
    summary: `list nodes and their status (${NODE_STATUSES.join(", ")})`,
    flags: { ...flags, status: { type: "string" } },
    async run(args) {
      const status = str(args, "status");
      // Checked here too, so a typo is a usage error (exit 64) before any network call.
      if (status !== undefined && !isNodeStatus(status)) throw usageError(`unknown --status "${status}"; use one of ${NODE_STATUSES.join(", ")}`);
      const query = status ? `?status=${encodeURIComponent(status)}` : "";
      const { nodes } = await new ApiClient(resolveConnection(args)).get<{ nodes: NodeView[] }>(`/nodes${query}`);
      print(args, nodes, () =>
        table(
          ["CERTNAME", "STATUS", "LAST REPORT", "SITE VERSION", "CHANGED", "FAILED", "CORRECTIVE"],
          nodes.map((n) => [n.certname, n.status, when(n.last_report_at), n.site_version, n.counts?.changed, n.counts?.failed, n.counts?.corrective]),
        ),
      );
      return 0;
    },
  },
  "node show": {
    usage: "node show NAME [--json]",
    summary: "show a node: status, last run, facts, compile problems",
    flags,
    positionals: [1, 1],
    async run(args) {
      const node = await new ApiClient(resolveConnection(args)).get<NodeDetailView>(`/nodes/${encodeURIComponent(args.positionals[0])}`);
      print(args, node, () => describeNode(node));
      return 0;
    },
  },
};

function describeNode(n: NodeDetailView): string {
  const lines = [
    `${n.certname}: ${n.status}`,
    `  first check-in  ${when(n.first_checkin_at)}`,
    `  last check-in   ${when(n.last_checkin_at)}`,
    `  last report     ${when(n.last_report_at) ?? "-"}${n.last_run_id ? ` (run ${n.last_run_id})` : ""}`,
    `  site version    ${n.site_version ?? "-"}`,
    `  facts           ${n.facts ? `${Object.keys(n.facts).length} top-level, updated ${when(n.facts_updated_at)}` : "-"}`,
  ];
  const f = n.compile_failure;
  if (f) {
    lines.push(`  compile failed at ${when(f.at)} (site ${f.site_version}):`);
    for (const p of f.problems) lines.push(`    ${formatProblem(p)}`);
  }
  return lines.join("\n") + "\n";
}
