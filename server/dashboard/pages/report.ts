// /reports/:runId: one run — every event (desired vs actual, corrective or
// intentional, the file diff), a changes-only filter applied by the store,
// logs and the slowest resources.
import type { FastifyInstance } from "fastify";
import { EventResult, type Event, type Report } from "../../../proto/gen/ancla/v1/agent_pb.js";
import { eventResultWords, logLevelWords, messageAfterCode, reportStatusWords } from "../../../proto/report-words.js";
import type { ApiDeps } from "../../http/routes/deps.js";
import { runStatus } from "../../status.js";
import { unifiedDiff } from "../diff.js";
import { sendError } from "../errors.js";
import { count, eventValue, ms, shortDigest, version } from "../format.js";
import { html, type SafeHtml } from "../html.js";
import { pageNumber, pathOf, queryString } from "../urls.js";
import { badge, page } from "../layout.js";

const EVENTS_PER_PAGE = 100;
/** The slowest resources shown; a catalog may have thousands, the slow ones are what an operator looks for. */
const SLOWEST = 25;

interface ReportQuerystring {
  changes?: string;
  page?: string;
  /** The run's node: run ids are unique per node, so links name it (a shared run id without it is a 409 page). */
  node?: string;
}

export function reportPageRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get<{ Params: { runId: string }; Querystring: ReportQuerystring }>("/reports/:runId", async (request, reply) => {
    const { runId } = request.params;
    const node = request.query.node || undefined;
    const report = await deps.store.reports.getReport(runId, node);
    if (!report) return sendError(reply, request, 404, `no report with run id "${runId}"`);
    const changesOnly = request.query.changes === "1";
    const pageNo = pageNumber(request.query.page);
    const events = await deps.store.reports.reportEvents(runId, { changesOnly, limit: EVENTS_PER_PAGE, offset: (pageNo - 1) * EVENTS_PER_PAGE }, report.certname);
    const summary = await deps.store.reports.getReportSummary(runId, report.certname);
    const body = html`${header(report, summary && runStatus(summary))}
${eventsSection(report, events.events, events.total, changesOnly, pageNo)}
${logsSection(report)}
${timingsSection(report)}`;
    return reply.type("text/html; charset=utf-8").send(page({ title: `Run ${runId}`, section: "fleet", request, body }));
  });
}

/** The run's status in the node vocabulary (drifted, changed...), as the node page shows it. */
function header(r: Report, status: string | undefined): SafeHtml {
  const c = r.counts;
  return html`<h1>Run <code>${r.runId}</code> ${badge(status ?? reportStatusWords.word(r.status))}${r.noop && html` <span class="badge s-noop">noop</span>`}</h1>
<dl class="facts">
  <dt>Node</dt><dd><a href="${pathOf("nodes", r.certname)}">${r.certname}</a></dd>
  <dt>Started</dt><dd>${r.startedAt} · took ${ms(r.durationMs)}</dd>
  <dt>Catalog</dt><dd>${shortDigest(r.catalogDigest)} serial ${String(r.catalogSerial)} from ${r.catalogSource || "—"}, site version ${version(r.siteVersion)}</dd>
  <dt>Resources</dt><dd>${c ? html`${c.total} evaluated, ${c.changed} changed (${c.corrective} corrective), ${c.failed} failed, ${c.skipped} skipped` : html`<span class="muted">—</span>`}</dd>
</dl>`;
}

function eventsSection(r: Report, events: Event[], total: number, changesOnly: boolean, pageNo: number): SafeHtml {
  const self = (p: { changes?: string; page?: number }): string => `${pathOf("reports", r.runId)}${queryString({ node: r.certname, ...p })}#events`;
  const filter = changesOnly ? html`Showing changes only · <a href="${self({})}">show all events</a>` : html`Showing all events · <a href="${self({ changes: "1" })}">changes only</a>`;
  const pages = Math.max(1, Math.ceil(total / EVENTS_PER_PAGE));
  const changes = changesOnly ? "1" : undefined;
  return html`<h2 id="events">Events (${count(total)})</h2>
<p class="muted">${filter}</p>
${
  events.length === 0
    ? html`<p class="muted">${changesOnly ? "No resource changed in this run." : "Every resource was already in line: no event."}</p>`
    : html`<table><thead><tr><th>Resource</th><th>Property</th><th>Desired</th><th>Actual (before)</th><th>Result</th><th>Kind</th></tr></thead><tbody>
${events.map(eventRows)}</tbody></table>`
}
${
  pages > 1 &&
  html`<div class="pager">Page ${pageNo} of ${pages}
${pageNo > 1 && html`<a href="${self({ changes, page: pageNo - 1 })}">← previous</a>`}
${pageNo < pages && html`<a href="${self({ changes, page: pageNo + 1 })}">next →</a>`}</div>`
}`;
}

function eventRows(e: Event): SafeHtml {
  return html`<tr class="event"><td class="wrap"><code>${e.resource}</code></td><td><code>${e.property}</code></td>
<td class="val wrap"><code>${eventValue(e.desired)}</code></td><td class="val wrap"><code>${eventValue(e.actual)}</code></td>
<td>${badge(eventResultWords.word(e.result))}</td><td>${kind(e)}</td></tr>
${(e.message || e.diff) && html`<tr class="detail"><td></td><td colspan="5">${e.message && html`<div class="${e.result === EventResult.FAILED ? "failure" : "muted"}">${e.message}</div>`}${e.diff && unifiedDiff(e.diff)}</td></tr>`}`;
}

/** Corrective: the host drifted from an unchanged desired state. Intentional: the catalog changed. */
function kind(e: Event): SafeHtml {
  if (e.corrective) return html`<span class="mark-corrective" title="the desired state did not change, yet the host differed">corrective (drift)</span>`;
  if (e.result === EventResult.CHANGED || e.result === EventResult.NOOP) return html`<span class="mark-intentional" title="the catalog changed">intentional</span>`;
  return html`<span class="muted">—</span>`;
}

function logsSection(r: Report): SafeHtml {
  return html`<h2 id="logs">Logs (${r.logs.length})</h2>
${
  r.logs.length === 0
    ? html`<p class="muted">No log lines.</p>`
    : html`<table><thead><tr><th>Time</th><th>Level</th><th>Message</th></tr></thead><tbody>
${r.logs.map((l) => html`<tr><td class="mono nowrap" title="${l.time}">${clock(l.time)}</td><td>${logLevelWords.word(l.level)}</td><td class="wrap">${l.code && html`<code>${l.code}</code> `}${messageAfterCode(l)}</td></tr>`)}
</tbody></table>`
}`;
}

/** The time of day of an ISO timestamp (the run's date is in the header). */
function clock(iso: string): string {
  return /^\d{4}-\d\d-\d\dT/.test(iso) ? iso.slice(11, 23) : iso;
}

function timingsSection(r: Report): SafeHtml {
  if (r.timings.length === 0) return html`<h2 id="timings">Timings</h2><p class="muted">This agent sent no per-resource timings.</p>`;
  const slowest = [...r.timings].sort((a, b) => b.durationMs - a.durationMs).slice(0, SLOWEST);
  return html`<h2 id="timings">Timings</h2>
<p class="muted">The ${slowest.length} slowest of ${count(r.timings.length)} resources.</p>
<table><thead><tr><th>Resource</th><th class="num">Time</th></tr></thead><tbody>
${slowest.map((t) => html`<tr><td class="wrap"><code>${t.resource}</code></td><td class="num">${ms(t.durationMs)}</td></tr>`)}
</tbody></table>`;
}
