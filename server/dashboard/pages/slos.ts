// /slos: the site's SLOs with their error budgets and burn rates, as
// GET /api/v1/slos gives them: how much of each budget is left over its
// window, how fast it burns over the window and over the last hour, and
// which ones are spent (an environment that freezes on them starts no rollout).
import type { FastifyInstance } from "fastify";
import type { Budget } from "../../slo/budget.js";
import type { SloBudgets } from "../../slo/service.js";
import { count } from "../format.js";
import { html, type SafeHtml } from "../html.js";
import { badge, page } from "../layout.js";

export function sloPageRoutes(app: FastifyInstance, budgets: SloBudgets): void {
  app.get("/slos", async (request, reply) => {
    const list = await budgets.list();
    const body = html`<h1>SLOs</h1>
<p class="muted">Each SLO promises a share of good probe attempts over its window; its error budget is the bad ones that share allows (slos: in ancla.yaml).</p>
${list.length === 0 ? html`<p class="muted" id="no-slos">The site declares no SLOs.</p>` : table(list)}`;
    return reply.type("text/html; charset=utf-8").send(page({ title: "SLOs", section: "slos", request, body }));
  });
}

function table(list: Budget[]): SafeHtml {
  return html`<table id="slos"><thead><tr><th>SLO</th><th>Probe</th><th>Nodes</th><th class="num">Objective</th><th class="num">Window</th><th class="num">Attempts</th><th class="num">Bad</th><th class="num">Allowed</th><th>Budget left</th><th class="num">Burn</th><th class="num">Burn 1 h</th></tr></thead><tbody>
${list.map((b) => html`<tr data-slo="${b.slo}"><td><code>${b.slo}</code>${b.exhausted ? html` ${badge("exhausted")}` : ""}</td><td><code>${b.probe}</code></td><td>${b.environment ?? "all"}</td><td class="num">${b.objective}%${b.latencyMs !== undefined ? ` ≤ ${b.latencyMs} ms` : ""}</td><td class="num">${Math.round(b.windowSeconds / 86400)}d</td><td class="num">${count(b.total)}</td><td class="num">${count(b.total - b.good)}</td><td class="num">${b.allowedBad.toFixed(1)}</td><td>${meter(b.remaining)}</td><td class="num">${b.burnRate.toFixed(2)}</td><td class="num">${b.burnRate1h.toFixed(2)}</td></tr>`)}
</tbody></table>`;
}

/** The budget left as a bar and a figure: full untouched, empty spent, the figure below 0 overspent. */
function meter(remaining: number): SafeHtml {
  const pct = Math.round(remaining * 1000) / 10;
  return html`<meter min="0" max="100" low="25" optimum="100" value="${Math.max(0, Math.min(100, pct))}">${pct}%</meter> ${pct}%`;
}
