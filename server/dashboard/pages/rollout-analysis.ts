// The rollout page's analysis section: every analysis run's checks as a
// table (canary and control values, threshold, samples, outcome, why) and,
// per check, the canary's and the control's values over time as a chart, so
// the numbers behind a promotion or a rollback are there to read.
import type { AnalysisCheck, AnalysisTemplate } from "../../../catalog/site/analysis.js";
import type { CheckResult } from "../../analysis/checks.js";
import type { AnalysisRun } from "../../analysis/run.js";
import type { RolloutEvent } from "../../store/rollouts.js";
import { valueChart, type ValueSeries } from "../chart.js";
import { count, when } from "../format.js";
import { html, type SafeHtml } from "../html.js";
import { badge } from "../layout.js";

/** Runs listed in the table, the newest (the charts draw them all). */
const RUN_ROWS = 10;

interface TimedRun {
  at: Date;
  run: AnalysisRun;
}

export function analysisSection(template: AnalysisTemplate | undefined, events: RolloutEvent[], now: Date): SafeHtml | false {
  if (!template) return false;
  const runs: TimedRun[] = events.flatMap((e) => (e.kind === "analysis" && e.detail?.run ? [{ at: e.at, run: e.detail.run as AnalysisRun }] : []));
  const head = html`<h2 id="analysis">Analysis <code>${template.name}</code></h2>
<p class="muted">Every ${template.intervalSeconds}s over the last ${template.windowSeconds}s, moved nodes (canary) against the rest (control); at least ${template.minSamples} samples a side, else inconclusive. Limits: ${template.failureLimit} failed, ${template.inconclusiveLimit} inconclusive, ${template.errorLimit} error run(s).</p>`;
  if (runs.length === 0) return html`${head}<p class="muted">No run yet: the first comes a whole window after nodes move.</p>`;
  const shown = runs.slice(-RUN_ROWS).reverse();
  return html`${head}
${charts(template, runs)}
<table id="analysis-runs"><thead><tr><th>Run</th><th>Check</th><th>Outcome</th><th class="num">Canary</th><th class="num">Control</th><th>Threshold</th><th class="num">Samples</th><th>Why</th></tr></thead><tbody>
${shown.map(({ at, run }) => run.checks.map((c, i) => row(at, run, c, i === 0, now)))}
</tbody></table>
${runs.length > shown.length && html`<p class="muted">The newest ${shown.length} of ${count(runs.length)} runs; the charts draw them all.</p>`}`;
}

function row(at: Date, run: AnalysisRun, c: CheckResult, first: boolean, now: Date): SafeHtml {
  const runCell = first
    ? html`<td class="nowrap" rowspan="${run.checks.length}">${when(at, now)} ${badge(run.outcome)}<br><span class="muted">${run.canaryNodes} vs ${run.controlNodes} node(s)</span></td>`
    : "";
  return html`<tr data-outcome="${c.outcome}">${runCell}<td class="nowrap">${c.check}${c.probe ? html` <code>${c.probe}</code>` : ""}</td><td>${badge(c.outcome)}</td><td class="num">${c.canary ?? "–"}</td><td class="num">${c.control ?? "–"}</td><td class="nowrap">${c.threshold}</td><td class="num">${c.samples.canary} / ${c.samples.control}</td><td class="wrap">${c.message}${c.query ? html`<br><code>${c.query}</code>` : ""}</td></tr>`;
}

/** A chart per check and probe measured: the canary's and the control's values run by run, the check's limit dashed. */
function charts(template: AnalysisTemplate, runs: TimedRun[]): SafeHtml[] {
  const byKey = new Map<string, { check: CheckResult; canary: ValueSeries["points"]; control: ValueSeries["points"] }>();
  for (const { at, run } of runs) {
    for (const c of run.checks) {
      const key = `${c.check}:${c.probe ?? ""}:${c.query ?? ""}`;
      const entry = byKey.get(key) ?? { check: c, canary: [], control: [] };
      if (c.canary !== undefined) entry.canary.push({ at, value: c.canary });
      if (c.control !== undefined) entry.control.push({ at, value: c.control });
      byKey.set(key, entry);
    }
  }
  return [...byKey.values()].map(({ check, canary, control }, i) => {
    const what = `${check.check}${check.probe ? ` ${check.probe}` : ""}`;
    const series: ValueSeries[] = [
      { key: "canary", label: "canary", colour: "#c4540c", points: canary },
      { key: "control", label: "control", colour: "#1f5fbf", points: control },
    ];
    const limit = limitOf(
      template.checks.find((c) => c.kind === check.check),
      check.probe,
    );
    const last = canary.at(-1);
    return html`<h3>${what}</h3>${valueChart(`analysis-chart-${i}`, `${what} over time: canary ${last?.value ?? "not measured"}${control.length ? `, control ${control.at(-1)!.value}` : ""}`, series, limit)}`;
  });
}

/** The absolute limit a check draws as a line, when it has one. */
function limitOf(check: AnalysisCheck | undefined, probe: string | undefined): number | undefined {
  if (!check) return undefined;
  if (check.kind === "error_rate" || check.kind === "p95_latency_ms") return check.max;
  if (check.kind === "saturation" && probe) return check.max[probe as keyof typeof check.max];
  return undefined;
}
