// Runs per day by run status as stacked bars: an inline SVG drawn on the
// server (no chart library, no script), with the day's figures on hover.
import type { DriftDay } from "../status.js";
import { html, type SafeHtml } from "./html.js";

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
  return html`<figure class="chart" id="drift-chart">
<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" font-size="11" fill="#5f6b76"
  aria-label="Runs per day for the last ${days.length} days: ${drifted} drifted, ${failed} failed">
<line x1="${LEFT}" y1="${TOP + plotH}" x2="${WIDTH - RIGHT}" y2="${TOP + plotH}" stroke="#d9dee3"/>
<line x1="${LEFT}" y1="${TOP}" x2="${WIDTH - RIGHT}" y2="${TOP}" stroke="#eef1f4"/>
<text x="${LEFT - 6}" y="${TOP + 4}" text-anchor="end">${max}</text>
<text x="${LEFT - 6}" y="${TOP + plotH}" text-anchor="end">0</text>
${bars}
</svg>
<figcaption class="legend">${SERIES.map((s) => html`<span><svg width="10" height="10" aria-hidden="true"><rect width="10" height="10" fill="${s.colour}"/></svg> ${s.label}</span>`)}</figcaption>
</figure>`;
}
