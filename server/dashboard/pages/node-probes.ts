// The node page's probes: each probe its catalog declares and what it
// measured over the last hour (server/health/node-probes.ts), as a table and
// as a chart of each probe's P95 per minute.
import type { NodeProbes, ProbeSummary } from "../../health/node-probes.js";
import { valueChart, type ValueSeries } from "../chart.js";
import { count } from "../format.js";
import { html, type SafeHtml } from "../html.js";

const COLOURS = ["#1f6feb", "#8250df", "#1a7f37", "#bf8700", "#cf222e", "#0969da"];

export function probesSection(n: NodeProbes): SafeHtml {
  if (n.probes.length === 0) return html`<h2 id="probes">Probes</h2><p class="muted">This node's catalog declares no probes, and it reported none in the last hour.</p>`;
  const series: ValueSeries[] = n.probes.map((p, i) => ({
    key: `probe-${i}`,
    label: `${p.probe} P95 ms`,
    colour: COLOURS[i % COLOURS.length],
    points: p.series.flatMap((s) => (s.p95Ms === undefined ? [] : [{ at: s.at, value: round(s.p95Ms) }])),
  }));
  return html`<h2 id="probes">Probes</h2>
<p class="muted">Measured by the agent between runs over the last hour, placed by the server's clock.</p>
<table id="probe-table"><thead><tr><th>Probe</th><th>Checks</th><th class="num">Attempts</th><th class="num">Errors</th><th class="num">Error rate</th><th class="num">P50 ms</th><th class="num">P95 ms</th><th class="num">P99 ms</th></tr></thead><tbody>
${n.probes.map(row)}
</tbody></table>
${valueChart("probe-chart", `P95 latency per minute over the last hour: ${n.probes.map((p) => `${p.probe} ${p.p95Ms === undefined ? "not measured" : round(p.p95Ms)}`).join(", ")}`, series)}`;
}

function row(p: ProbeSummary): SafeHtml {
  const kinds = Object.entries(p.errors)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  return html`<tr><td><code>${p.probe}</code></td><td class="wrap">${p.target ? html`${p.target}${p.everySeconds !== undefined && html` <span class="muted">every ${p.everySeconds}s</span>`}` : html`<span class="muted">no longer declared</span>`}</td>
<td class="num">${count(p.count)}</td><td class="num">${kinds || "0"}</td><td class="num">${p.errorRate === undefined ? "—" : `${round(p.errorRate * 100, 2)} %`}</td>
<td class="num">${quantile(p.p50Ms)}</td><td class="num">${quantile(p.p95Ms)}</td><td class="num">${quantile(p.p99Ms)}</td></tr>`;
}

function quantile(v: number | undefined): string {
  return v === undefined ? "—" : String(round(v));
}

function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
