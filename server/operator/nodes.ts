// `ancla nodes [--status S] [--search TEXT] [--fact PATH=VALUE] [--sort KEY] [--limit N]`
// and `ancla node show NAME`.
import { formatProblem } from "../../catalog/compile-seam.js";
import { JSON_FLAG, str, usageError, type ParsedArgs, type Subcommand } from "../../core/cli.js";
import { wholeNumberFlag } from "../cli/flags.js";
import type { NodeDetailJson, NodeJson, NodeProbesJson } from "../http/schemas.js";

/** The API's shape, from the view that makes it. */

function probesText(v: NodeProbesJson, minutes: number): string {
  if (v.probes.length === 0) return `${v.certname} declares no probes and reported none in the last ${minutes} minutes\n`;
  const ms = (n: number | null): string | undefined => (n === null ? undefined : String(Math.round(n * 10) / 10));
  const errors = (e: NodeProbesJson["probes"][number]["errors"]): string =>
    Object.entries(e)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k} ${n}`)
      .join(", ") || "0";
  return table(
    ["PROBE", "CHECKS", "ATTEMPTS", "ERRORS", "ERROR RATE", "P50 MS", "P95 MS", "P99 MS"],
    v.probes.map((p) => [
      p.probe,
      p.target ?? "(no longer declared)",
      p.count,
      errors(p.errors),
      p.error_rate === null ? undefined : `${(p.error_rate * 100).toFixed(2)}%`,
      ms(p.p50_ms),
      ms(p.p95_ms),
      ms(p.p99_ms),
    ]),
  );
}
import { CLOCK_SKEW_FLAG_SECONDS, isClockSkewed, isNodeStatus, MAX_NODE_LIMIT, NODE_STATUSES } from "../status.js";
import { ApiClient } from "./client.js";
import { CONNECTION_FLAGS, resolveConnection } from "./connection.js";
import { print, table, when } from "./output.js";
import { NODE_SORTS } from "../store/nodes.js";

const flags = { ...CONNECTION_FLAGS, ...JSON_FLAG } as const;

export const nodeCommands: Record<string, Subcommand> = {
  nodes: {
    usage: `nodes [--status S] [--environment ENV] [--search TEXT] [--fact PATH=VALUE] [--sort ${NODE_SORTS.join("|")}] [--limit N] [--json]`,
    summary: `list nodes and their status (${NODE_STATUSES.join(", ")})`,
    flags: {
      ...flags,
      status: { type: "string", value: "STATUS", help: "only nodes with this status (failed, drifted, changed, unchanged, noop-pending, compile-failed, unresponsive, unreported)" },
      environment: { type: "string", value: "ENV", help: "only nodes in this environment" },
      search: { type: "string", value: "TEXT", help: "only nodes whose certname contains TEXT" },
      fact: { type: "string", value: "PATH=VALUE", help: "only nodes with this fact value (e.g. os.family=debian)" },
      sort: { type: "string", value: "KEY", help: `one of ${NODE_SORTS.join(", ")}` },
      limit: { type: "string", value: "N", help: "at most N nodes" },
    },
    async run(args) {
      // Checked here too, so a typo is a usage error (exit 64) before any network call.
      const query = nodesQuery(args);
      const page = await new ApiClient(resolveConnection(args)).get<{ total: number; nodes: NodeJson[] }>(`/nodes?${query}`);
      print(args, page.nodes, () => {
        const rows = table(
          // ENVIRONMENT last: scripts reading the columns before it keep working.
          ["CERTNAME", "STATUS", "LAST RUN", "RESULT", "SITE VERSION", "CHANGED", "FAILED", "CORRECTIVE", "ENVIRONMENT"],
          page.nodes.map((n) => [n.certname, n.status, when(n.last_report_at), n.last_run_status, n.site_version, n.counts?.changed, n.counts?.failed, n.counts?.corrective, n.environment]),
        );
        const more = page.total > page.nodes.length ? `(${page.nodes.length} of ${page.total} nodes; --limit shows more)\n` : "";
        return rows + more;
      });
      return 0;
    },
  },
  "node show": {
    usage: "node show NAME [--json]",
    summary: "show a node: status, last run, facts, compile problems",
    flags,
    positionals: [1, 1],
    async run(args) {
      const node = await new ApiClient(resolveConnection(args)).get<NodeDetailJson>(`/nodes/${encodeURIComponent(args.positionals[0])}`);
      print(args, node, () => describeNode(node));
      return 0;
    },
  },
  "node probes": {
    usage: "node probes NAME [--minutes N] [--json]",
    summary: "a node's probes: what its catalog declares and what they measured (attempts, errors by kind, P50/P95/P99)",
    flags: { ...flags, minutes: { type: "string", value: "N", help: "over the last N minutes (default 60)" } },
    positionals: [1, 1],
    async run(args) {
      const minutes = wholeNumberFlag(args, "minutes", 1, 35 * 24 * 60) ?? 60;
      const view = await new ApiClient(resolveConnection(args)).get<NodeProbesJson>(`/nodes/${encodeURIComponent(args.positionals[0])}/probes?minutes=${minutes}`);
      print(args, view, () => probesText(view, minutes));
      return 0;
    },
  },
  "node deactivate": nodeChange(
    "deactivate",
    "leave a node out of lists and counts (and unresponsive) until it checks in again (operator)",
    (client, path) => client.post<NodeDetailJson>(`${path}/deactivate`),
    (name) => `deactivated ${name}; it comes back when it checks in again`,
  ),
  "node remove": nodeChange(
    "remove",
    "delete a node's facts, reports, catalogs and compile failure (admin); its certificate stays: ancla cert revoke NAME",
    (client, path) => client.delete<{ certname: string; removed: boolean }>(path),
    (name) => `removed ${name} and its data`,
  ),
};

/** `node VERB NAME`: one call on /nodes/NAME, then one line (or the answer with --json). */
function nodeChange(verb: string, summary: string, send: (client: ApiClient, path: string) => Promise<unknown>, done: (name: string) => string): Subcommand {
  return {
    usage: `node ${verb} NAME [--json]`,
    summary,
    flags,
    positionals: [1, 1],
    async run(args) {
      const name = args.positionals[0];
      const answer = await send(new ApiClient(resolveConnection(args)), `/nodes/${encodeURIComponent(name)}`);
      print(args, answer, () => `${done(name)}\n`);
      return 0;
    },
  };
}

function nodesQuery(args: ParsedArgs): URLSearchParams {
  const query = new URLSearchParams();
  const status = str(args, "status");
  if (status !== undefined && !isNodeStatus(status)) throw usageError(`unknown --status "${status}"; use one of ${NODE_STATUSES.join(", ")}`);
  const sort = str(args, "sort");
  if (sort !== undefined && !(NODE_SORTS as readonly string[]).includes(sort)) throw usageError(`unknown --sort "${sort}"; use one of ${NODE_SORTS.join(", ")}`);
  const fact = str(args, "fact");
  if (fact !== undefined && !/^[^=]+=/.test(fact)) throw usageError(`--fact ${fact}: expected PATH=VALUE, e.g. os.family=debian`);
  const limit = wholeNumberFlag(args, "limit", 1, MAX_NODE_LIMIT) ?? MAX_NODE_LIMIT;
  for (const [key, value] of Object.entries({ status, environment: str(args, "environment"), search: str(args, "search"), fact, sort })) if (value !== undefined) query.set(key, value);
  query.set("limit", String(limit));
  return query;
}

/** The latest run's clock skew, flagged past a minute: runs are ordered by the server's clock, the agent's start is shown as it sent it. */
function agentClock(skew: number | null): string {
  if (skew === null) return "-";
  const offset = `${skew > 0 ? "+" : ""}${skew} s vs the server`;
  return isClockSkewed(skew) ? `${offset}  CLOCK SKEW: ${skew > 0 ? "ahead" : "behind"} by more than ${CLOCK_SKEW_FLAG_SECONDS} s (check NTP on the node)` : offset;
}

function describeNode(n: NodeDetailJson): string {
  const c = n.counts;
  const lines = [
    `${n.certname}: ${n.status}${n.deactivated_at ? ` (deactivated ${when(n.deactivated_at)}, until it checks in again)` : ""}`,
    `  first check-in  ${when(n.first_checkin_at)}`,
    `  last check-in   ${when(n.last_checkin_at)}`,
    `  last report     ${when(n.last_report_at) ?? "-"}${n.last_run_id ? ` (run ${n.last_run_id})` : ""}`,
    `  last run        ${n.last_run_id ? `${n.last_run_status}${n.last_run_noop ? " (noop)" : ""}, started ${when(n.last_run_at)} (agent clock), took ${n.last_run_duration_ms} ms` : "-"}`,
    `  agent clock     ${agentClock(n.clock_skew_seconds)}`,
    `  resources       ${c ? `${c.total} total, ${c.changed} changed, ${c.failed} failed, ${c.corrective} corrective` : "-"}`,
    `  environment     ${n.environment ?? "- (not compiled yet)"}`,
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
