// Charts as inline SVG drawn on the server (no chart library, no script),
// with each bar's or sample's figures on hover: runs per day by run status as
// stacked bars, and a rollout's gate values over time as step lines.
import type { DriftDay } from "../status.js";
import { html, type SafeHtml } from "./html.js";

interface Series {
  label: string;
  colour: string;
}

/** Bottom to top; the colours are the status badges'. */
const SERIES = [
  { key: "failed", label: "failed", colour: "#b42318" },
  { key: "drifted", label: "drifted (corrective)", colour: "#c4540c" },
  { key: "changed", label: "changed (intentional)", colour: "#1f5fbf" },
  { key: "noop", label: "noop pending", colour: "#6941c6" },
  { key: "unchanged", label: "unchanged", colour: "#9fb5a3" },
] as const;

const WIDTH = 900;
const HEIGHT = 180;
const LEFT = 44;
/** Room for today's label, centred under the last bar. */
const RIGHT = 18;
const BOTTOM = 22;
const TOP = 8;

export function driftChart(days: DriftDay[]): SafeHtml {
  const max = Math.max(1, ...days.map((d) => d.runs));
  const plotH = HEIGHT - TOP - BOTTOM;
  const slot = (WIDTH - LEFT - RIGHT) / Math.max(1, days.length);
  const barW = Math.max(2, slot * 0.72);
  const y = (v: number): number => TOP + plotH - (v / max) * plotH;
  const bars = days.map((d, i) => {
    const x = LEFT + i * slot + (slot - barW) / 2;
    let base = 0;
    const rects = SERIES.map((s) => {
      const v = d[s.key];
      const rect = v > 0 ? html`<rect x="${x.toFixed(1)}" y="${y(base + v).toFixed(1)}" width="${barW.toFixed(1)}" height="${((v / max) * plotH).toFixed(1)}" fill="${s.colour}"/>` : "";
      base += v;
      return rect;
    });
    const tip = `${d.day}: ${d.runs} runs — ${SERIES.map((s) => `${d[s.key]} ${s.label}`).join(", ")}`;
    // Label today and every seventh day before it, so 30 days stay legible.
    const label = (days.length - 1 - i) % 7 === 0 ? html`<text x="${(x + barW / 2).toFixed(1)}" y="${HEIGHT - 6}" text-anchor="middle">${d.day.slice(5)}</text>` : "";
    return html`<g class="day" data-day="${d.day}"><title>${tip}</title><rect x="${(LEFT + i * slot).toFixed(1)}" y="${TOP}" width="${slot.toFixed(1)}" height="${plotH}" fill="transparent"/>${rects}${label}</g>`;
  });
  const drifted = days.reduce((a, d) => a + d.drifted, 0);
  const failed = days.reduce((a, d) => a + d.failed, 0);
  return figure("drift-chart", `Runs per day for the last ${days.length} days: ${drifted} drifted, ${failed} failed`, max, bars, SERIES);
}

/** What a rollout's gates saw at one moment (a "gates" event): moved nodes by health. */
export interface GateSample {
  at: Date;
  moved: number;
  healthy: number;
  failed: number;
  pending: number;
  late: number;
}

/** Drawn in this order, so a failure is never hidden under another line at the same count. */
const GATE_SERIES = [
  { key: "healthy", label: "healthy", colour: "#2e7d32" },
  { key: "pending", label: "pending", colour: "#c4540c" },
  { key: "late", label: "late", colour: "#8b1a4a" },
  { key: "failed", label: "failed", colour: "#b42318" },
] as const;

/**
 * Moved nodes by health from the first sample to `end` (the rollout's end, or
 * now): each count holds until the next sample, as the controller records a
 * sample only when a count changes, so the lines are steps.
 */
export function gateChart(samples: GateSample[], end: Date): SafeHtml {
  if (samples.length === 0) return html``;
  const t0 = samples[0].at.getTime();
  const t1 = Math.max(end.getTime(), samples[samples.length - 1].at.getTime(), t0 + 1000);
  const max = Math.max(1, ...samples.map((s) => s.moved));
  const plotH = HEIGHT - TOP - BOTTOM;
  const x = (t: number): number => LEFT + ((t - t0) / (t1 - t0)) * (WIDTH - LEFT - RIGHT);
  const y = (v: number): string => (TOP + plotH - (v / max) * plotH).toFixed(1);
  const lines = GATE_SERIES.map((s) => {
    const d = samples.map((p, i) => (i === 0 ? `M${x(p.at.getTime()).toFixed(1)},${y(p[s.key])}` : ` H${x(p.at.getTime()).toFixed(1)} V${y(p[s.key])}`)).join("") + ` H${x(t1).toFixed(1)}`;
    return html`<path d="${d}" fill="none" stroke="${s.colour}" stroke-width="2" class="gate-${s.key}"/>`;
  });
  // A band per sample, up to the next one, carries its figures on hover.
  const bands = samples.map((p, i) => {
    const from = p.at.getTime();
    const to = samples[i + 1]?.at.getTime() ?? t1;
    const tip = `${p.at.toISOString()}: ${p.moved} moved — ${GATE_SERIES.map((s) => `${p[s.key]} ${s.label}`).join(", ")}`;
    return html`<rect x="${x(from).toFixed(1)}" y="${TOP}" width="${Math.max(1, x(to) - x(from)).toFixed(1)}" height="${plotH}" fill="transparent"><title>${tip}</title></rect>`;
  });
  const labels = html`<text x="${LEFT}" y="${HEIGHT - 6}">${timeLabel(new Date(t0), t1 - t0)}</text><text x="${WIDTH - RIGHT}" y="${HEIGHT - 6}" text-anchor="end">${timeLabel(new Date(t1), t1 - t0)}</text>`;
  const last = samples[samples.length - 1];
  const description = `Moved nodes by health over time: now ${last.moved} moved, ${last.healthy} healthy, ${last.failed} failed, ${last.pending} pending, ${last.late} late`;
  return figure("gate-chart", description, max, html`${bands}${lines}${labels}`, GATE_SERIES);
}

/** The time of day in UTC, with the date when the chart spans more than a day. */
function timeLabel(d: Date, spanMs: number): string {
  const iso = d.toISOString();
  return spanMs > 86_400_000 ? `${iso.slice(5, 10)} ${iso.slice(11, 16)} UTC` : `${iso.slice(11, 19)} UTC`;
}

/** The chart's frame: the axis from 0 to `max`, the drawing, and the legend of its series. */
function figure(id: string, description: string, max: number, drawing: SafeHtml | SafeHtml[], series: readonly Series[]): SafeHtml {
  const plotH = HEIGHT - TOP - BOTTOM;
  return html`<figure class="chart" id="${id}">
<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" font-size="11" fill="#5f6b76"
  aria-label="${description}">
<line x1="${LEFT}" y1="${TOP + plotH}" x2="${WIDTH - RIGHT}" y2="${TOP + plotH}" stroke="#d9dee3"/>
<line x1="${LEFT}" y1="${TOP}" x2="${WIDTH - RIGHT}" y2="${TOP}" stroke="#eef1f4"/>
<text x="${LEFT - 6}" y="${TOP + 4}" text-anchor="end">${max}</text>
<text x="${LEFT - 6}" y="${TOP + plotH}" text-anchor="end">0</text>
${drawing}
</svg>
<figcaption class="legend">${series.map((s) => html`<span><svg width="10" height="10" aria-hidden="true"><rect width="10" height="10" fill="${s.colour}"/></svg> ${s.label}</span>`)}</figcaption>
</figure>`;
}

/** One line of a value chart: a value at each time it was measured. */
export interface ValueSeries {
  key: string;
  label: string;
  colour: string;
  points: { at: Date; value: number }[];
}

/**
 * Measured values over time as lines through their points (an analysis
 * check's canary and control), each point's figure on hover; the axis runs
 * from 0 to the largest value (or the limit, drawn dashed, when larger).
 */
export function valueChart(id: string, description: string, series: ValueSeries[], limit?: number): SafeHtml {
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return html``;
  const t0 = Math.min(...all.map((p) => p.at.getTime()));
  const t1 = Math.max(t0 + 1000, ...all.map((p) => p.at.getTime()));
  const max = Math.max(Number.MIN_VALUE, limit ?? 0, ...all.map((p) => p.value));
  const plotH = HEIGHT - TOP - BOTTOM;
  const x = (t: number): string => (LEFT + ((t - t0) / (t1 - t0)) * (WIDTH - LEFT - RIGHT)).toFixed(1);
  const y = (v: number): string => (TOP + plotH - (v / max) * plotH).toFixed(1);
  const lines = series.map((s) => {
    const d = s.points.map((p, i) => `${i === 0 ? "M" : " L"}${x(p.at.getTime())},${y(p.value)}`).join("");
    const dots = s.points.map((p) => html`<circle cx="${x(p.at.getTime())}" cy="${y(p.value)}" r="3" fill="${s.colour}"><title>${p.at.toISOString()}: ${s.label} ${p.value}</title></circle>`);
    return html`<path d="${d}" fill="none" stroke="${s.colour}" stroke-width="2" class="series-${s.key}"/>${dots}`;
  });
  const limitLine =
    limit === undefined
      ? ""
      : html`<line x1="${LEFT}" y1="${y(limit)}" x2="${WIDTH - RIGHT}" y2="${y(limit)}" stroke="#b42318" stroke-dasharray="4 3" class="limit"><title>limit ${limit}</title></line>`;
  const labels = html`<text x="${LEFT}" y="${HEIGHT - 6}">${timeLabel(new Date(t0), t1 - t0)}</text><text x="${WIDTH - RIGHT}" y="${HEIGHT - 6}" text-anchor="end">${timeLabel(new Date(t1), t1 - t0)}</text>`;
  const legend = limit === undefined ? series : [...series, { label: `limit ${limit}`, colour: "#b42318" }];
  return figure(id, description, round3(max), html`${limitLine}${lines}${labels}`, legend);
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
