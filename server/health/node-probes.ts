// A node's probes as its page and `GET /nodes/NAME/probes` show them: each
// probe its current catalog declares (what it checks, how often), joined with
// what it measured over a recent window (attempts, errors by kind, latency
// quantiles, and per-minute points for a chart). A probe that reported but is
// no longer declared still shows (its data is real); one declared that never
// reported shows with no attempts, which is itself worth seeing.
import type { Probe } from "../../catalog/model.js";
import { errorTotal, type ErrorCounts, type HealthStore, type ProbeTotals } from "../store/health.js";

export const NODE_PROBES_WINDOW_MS = 3_600_000;

export interface ProbeSummary {
  probe: string;
  /** What it checks, e.g. "http GET http://127.0.0.1:8080/healthz → 200"; undefined when the current catalog no longer declares it. */
  target?: string;
  everySeconds?: number;
  count: number;
  errors: ErrorCounts;
  errorRate?: number;
  p50Ms?: number;
  p95Ms?: number;
  p99Ms?: number;
  /** Per minute (per hour past the minute retention), ascending. */
  series: { at: Date; count: number; errors: number; p95Ms?: number }[];
}

export interface NodeProbes {
  from: Date;
  to: Date;
  probes: ProbeSummary[];
}

export function describeProbe(p: Probe): string {
  if (p.http) return `http GET ${p.http.url} → ${p.http.status}${p.http.body ? ` and body ~ /${p.http.body}/` : ""}`;
  if (p.tcp) return `tcp ${p.tcp.host}:${p.tcp.port}`;
  return `command ${p.command?.command ?? ""}`;
}

export async function nodeProbes(
  health: Pick<HealthStore, "nodeProbes" | "probeSeries">,
  certname: string,
  declared: readonly Probe[],
  to: Date,
  windowMs = NODE_PROBES_WINDOW_MS,
): Promise<NodeProbes> {
  const from = new Date(to.getTime() - windowMs);
  const measured = new Map((await health.nodeProbes(certname, from, to)).map((p) => [p.probe, p.totals]));
  const names = [...new Set([...declared.map((p) => p.name), ...measured.keys()])].sort();
  const byName = new Map(declared.map((p) => [p.name, p]));
  const probes: ProbeSummary[] = [];
  for (const name of names) {
    const totals = measured.get(name);
    const series = totals ? await health.probeSeries(name, [certname], from, to) : [];
    const p = byName.get(name);
    probes.push({
      probe: name,
      target: p && describeProbe(p),
      everySeconds: p?.every,
      ...summaryOf(totals),
      series: series.map(({ at, totals: t }) => ({ at, count: t.count, errors: errorTotal(t.errors), p95Ms: t.latency.quantile(0.95) })),
    });
  }
  return { from, to, probes };
}

function summaryOf(t: ProbeTotals | undefined): Pick<ProbeSummary, "count" | "errors" | "errorRate" | "p50Ms" | "p95Ms" | "p99Ms"> {
  if (!t) return { count: 0, errors: { timeout: 0, refused: 0, status: 0, body: 0 } };
  return {
    count: t.count,
    errors: t.errors,
    errorRate: t.count > 0 ? errorTotal(t.errors) / t.count : undefined,
    p50Ms: t.latency.quantile(0.5),
    p95Ms: t.latency.quantile(0.95),
    p99Ms: t.latency.quantile(0.99),
  };
}
