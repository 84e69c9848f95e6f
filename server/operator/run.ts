// `ancla run NODE_GLOB [--noop] [--wait] [--timeout DURATION] [--json]`: run now
// (Puppet's `puppet job run`). The server asks the matching nodes over their
// Watch streams (POST /api/v1/runs); with --wait, each connected node's result
// is printed as its report arrives. Nodes not connected run at their next
// interval and are not waited for.
import { setTimeout as sleep } from "node:timers/promises";
import { JSON_FLAG, bool, EXIT_FAILURE, parseDuration, str, usageError, type ParsedArgs, type Subcommand } from "../../core/cli.js";
import type { RunAnswerJson } from "../http/routes/runs.js";
import type { ReportSummaryJson } from "../http/schemas.js";
import { MAX_REPORT_PAGE } from "../store/reports.js";
import { ApiClient } from "./client.js";
import { CONNECTION_FLAGS, resolveConnection } from "./connection.js";

/** How long --wait waits by default: a long run on a big host, with room to spare. */
const DEFAULT_TIMEOUT = "5m";

/** How often --wait reads the reports: results show within half a second of arriving. */
const POLL_MS = 500;

const NOT_CONNECTED = "not connected (runs at its next interval)";

export const runCommands: Record<string, Subcommand> = {
  run: {
    usage: "run NODE_GLOB [--noop] [--wait] [--timeout 5m] [--json]",
    summary:
      "ask the nodes matching NODE_GLOB to run now, over their Watch streams (operator); --wait prints each node's result as it arrives " +
      "and exits 1 if a run failed or the timeout passed; nodes not connected run at their next interval",
    flags: {
      ...CONNECTION_FLAGS,
      ...JSON_FLAG,
      noop: { type: "boolean", help: "a noop run: report what would change, change nothing" },
      wait: { type: "boolean", help: "wait for each connected node's result and print it as it comes" },
      timeout: { type: "string", value: "DURATION", help: "how long --wait waits (default 5m)" },
    },
    positionals: [1, 1],
    async run(args) {
      const timeoutSeconds = waitTimeout(args);
      const noop = bool(args, "noop");
      const client = new ApiClient(resolveConnection(args));
      const answer = await client.post<RunAnswerJson>("/runs", { nodes: args.positionals[0], noop });
      if (timeoutSeconds === undefined) return printAsked(args, answer);
      return waitAndPrint(args, client, answer, { noop, timeoutMs: timeoutSeconds * 1000 });
    },
  },
};

/** --timeout's seconds when --wait is given, undefined without --wait (where --timeout is a mistake). */
function waitTimeout(args: ParsedArgs): number | undefined {
  const timeout = str(args, "timeout");
  if (!bool(args, "wait")) {
    if (timeout !== undefined) throw usageError("--timeout is how long --wait waits; give --wait too");
    return undefined;
  }
  const seconds = parseDuration(timeout ?? DEFAULT_TIMEOUT);
  if (seconds < 1) throw usageError(`--timeout ${timeout}: expected at least 1s`);
  return seconds;
}

function printAsked(args: ParsedArgs, answer: RunAnswerJson): number {
  if (bool(args, "json")) process.stdout.write(JSON.stringify(answer, null, 2) + "\n");
  else for (const n of answer.nodes) process.stdout.write(`${n.certname}: ${n.connected ? "asked to run now" : NOT_CONNECTED}\n`);
  return 0;
}

/** One line per node as its run's report arrives; 1 when a run failed or a node did not report in time. */
async function waitAndPrint(args: ParsedArgs, client: ApiClient, answer: RunAnswerJson, opts: { noop: boolean; timeoutMs: number }): Promise<number> {
  const json = bool(args, "json");
  const say = (line: string) => json || process.stdout.write(line + "\n");
  for (const n of answer.nodes) if (!n.connected) say(`${n.certname}: ${NOT_CONNECTED}`);
  const waiting = answer.nodes.filter((n) => n.connected).map((n) => n.certname);
  const results = await waitForRuns(client, waiting, Date.parse(answer.requested_at), opts, (r) => say(resultLine(r)));
  const late = waiting.filter((c) => !results.has(c));
  for (const certname of late) say(`${certname}: no report within ${opts.timeoutMs / 1000} s (--timeout)`);
  if (json) {
    const nodes = answer.nodes.map((n) => ({ ...n, report: results.get(n.certname) ?? null }));
    process.stdout.write(JSON.stringify({ ...answer, nodes }, null, 2) + "\n");
  }
  const failed = [...results.values()].some((r) => r.run_status === "failed");
  return failed || late.length > 0 ? EXIT_FAILURE : 0;
}

function resultLine(r: ReportSummaryJson): string {
  return `${r.certname}: ${r.status}${r.noop ? " (noop)" : ""}, ${r.counts.changed} changed, ${r.counts.failed} failed, ${(r.duration_ms / 1000).toFixed(1)} s (run ${r.run_id})`;
}

/** Each of `certnames`' first run that started after `requestedAt`, told to `onResult` as found, until all are in or the timeout passes. */
async function waitForRuns(
  client: ApiClient,
  certnames: string[],
  requestedAt: number,
  opts: { noop: boolean; timeoutMs: number },
  onResult: (r: ReportSummaryJson) => void,
): Promise<Map<string, ReportSummaryJson>> {
  const results = new Map<string, ReportSummaryJson>();
  const pending = new Set(certnames);
  for (const deadline = Date.now() + opts.timeoutMs; pending.size > 0; await sleep(POLL_MS)) {
    for (const report of await reportsReceivedSince(client, requestedAt)) {
      if (!pending.has(report.certname) || !answers(report, requestedAt, opts.noop)) continue;
      pending.delete(report.certname);
      results.set(report.certname, report);
      onResult(report);
    }
    if (Date.now() >= deadline) break;
  }
  return results;
}

/**
 * Is `report` a run the request asked for? It started after the request, by
 * the server's clock alone: received, less the run's own duration, is its
 * start plus the report's delivery time (milliseconds), whatever the node's
 * clock says. A --noop request waits for a noop run: the node runs an
 * enforcing run another request asked for apart from it.
 */
function answers(report: ReportSummaryJson, requestedAt: number, noop: boolean): boolean {
  return Date.parse(report.received_at) - report.duration_ms >= requestedAt && (!noop || report.noop);
}

/** Every report the server received at or after `since`, oldest first (the API pages newest first by receive time). */
async function reportsReceivedSince(client: ApiClient, since: number): Promise<ReportSummaryJson[]> {
  const found: ReportSummaryJson[] = [];
  for (let cursor: string | null = null; ; ) {
    const page: { reports: ReportSummaryJson[]; next: string | null } = await client.get(`/reports?limit=${MAX_REPORT_PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    const recent = page.reports.filter((r) => Date.parse(r.received_at) >= since);
    found.push(...recent);
    if (recent.length < page.reports.length || !page.next) return found.reverse();
    cursor = page.next;
  }
}
