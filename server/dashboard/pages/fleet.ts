// /: the fleet — counts by status (each a filter link), drift over time, and
// a filtered, sorted, paged node list. Every figure comes from the store's
// summaries (kept on ingest), one page of nodes at a time.
import type { FastifyInstance } from "fastify";
import { SERVER_CERT_RENEW_DAYS } from "../../../pki/server-cert-renewal.js";
import { AnclaError } from "../../../core/errors.js";
import type { ApiDeps } from "../../http/routes/deps.js";
import { driftHistory, fleetSummary, isNodeStatus, listNodes, NODE_STATUSES, type NodeQuery, type NodeStatus, type NodeSummary } from "../../status.js";
import { NODE_SORTS, type NodeSort } from "../../store/nodes.js";
import { driftChart } from "../chart.js";
import { clockSkewFlag, count, shortDigest, version, when } from "../format.js";
import { html, type SafeHtml } from "../html.js";
import { pageNumber, pathOf, queryString } from "../urls.js";
import { badge, page } from "../layout.js";

const NODES_PER_PAGE = 50;
const CHART_DAYS = 30;

/** The fleet page's query string, as the filter form and the links write it. */
interface FleetQuerystring {
  status?: string;
  q?: string;
  fact?: string;
  sort?: string;
  order?: string;
  page?: string;
}

/** The filters in force, validated; the same shape rebuilds links that keep them. */
interface Filters {
  status?: NodeStatus;
  q?: string;
  fact?: string;
  sort: NodeSort;
  order: "asc" | "desc";
  page: number;
}

export function fleetPageRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get<{ Querystring: FleetQuerystring }>("/", async (request, reply) => {
    const f = parseFilters(request.query);
    const options = deps.statusOptions();
    const summary = await fleetSummary(deps.store, options);
    const nodes = await listNodes(deps.store, { ...options, ...nodeQuery(f), limit: NODES_PER_PAGE, offset: (f.page - 1) * NODES_PER_PAGE });
    const body = html`<h1>Fleet</h1>
${certificateNotices(deps.serverCertificates?.() ?? {}, options.now ?? new Date())}
${tiles(summary, f)}
<h2>Runs per day, last ${CHART_DAYS} days</h2>
${driftChart(await driftHistory(deps.store, { days: CHART_DAYS, now: options.now }))}
<h2 id="nodes">Nodes</h2>
${filterForm(f)}
${nodeTable(nodes.nodes, f, options.now)}
${pager(nodes.total, f)}`;
    return reply.type("text/html; charset=utf-8").send(page({ title: "Fleet", section: "fleet", request, body }));
  });
}

/**
 * The server's own certificates near their end, from 30 days before: the TLS
 * and signing ones are renewed by then (still listed here means renewal
 * fails: see the log), the CA must be rotated by hand (docs/operations.md).
 */
function certificateNotices(expiries: Record<string, Date>, now: Date): SafeHtml | false {
  const soon = Object.entries(expiries).filter(([, at]) => at.getTime() - now.getTime() < SERVER_CERT_RENEW_DAYS * 86_400_000);
  if (soon.length === 0) return false;
  const what = (name: string) => (name === "ca" ? "the CA certificate (rotate it: docs/operations.md)" : `the ${name} certificate (renewal is failing: see the server's log)`);
  return html`<div class="problem" id="certificate-expiry"><strong>Certificates expiring:</strong>
<ul>${soon.map(([name, at]) => html`<li>${what(name)} expires ${when(at, now)}, <code>${at.toISOString()}</code></li>`)}</ul></div>`;
}

function parseFilters(q: FleetQuerystring): Filters {
  const status = q.status || undefined;
  if (status !== undefined && !isNodeStatus(status)) {
    throw new AnclaError("ANCLA_E_INVALID_ARGUMENT", `unknown status "${status}"; use one of ${NODE_STATUSES.join(", ")}`);
  }
  const fact = q.fact?.trim() || undefined;
  if (fact !== undefined && !/^[^=]+=/.test(fact)) {
    throw new AnclaError("ANCLA_E_INVALID_ARGUMENT", `the fact filter "${fact}" needs the form path=value, e.g. os.family=debian`);
  }
  const sort = (NODE_SORTS as readonly string[]).includes(q.sort ?? "") ? (q.sort as NodeSort) : "certname";
  return { status, q: q.q?.trim() || undefined, fact, sort, order: q.order === "desc" ? "desc" : "asc", page: pageNumber(q.page) };
}

function nodeQuery(f: Filters): NodeQuery {
  const eq = f.fact ? f.fact.indexOf("=") : -1;
  const fact = f.fact ? { path: f.fact.slice(0, eq).trim(), value: f.fact.slice(eq + 1) } : undefined;
  return { status: f.status, search: f.q, fact, sort: f.sort, order: f.order };
}

/** A link to the fleet page with these filters (page reset unless given). */
function fleetHref(f: Filters, change: Partial<Filters>): string {
  const n = { ...f, page: 1, ...change };
  return `/${queryString({ status: n.status, q: n.q, fact: n.fact, sort: n.sort === "certname" ? undefined : n.sort, order: n.order === "asc" ? undefined : n.order, page: n.page > 1 ? n.page : undefined })}`;
}

function tiles(summary: { total: number; byStatus: Record<NodeStatus, number> }, f: Filters): SafeHtml {
  const tile = (status: NodeStatus | undefined, n: number, label: string): SafeHtml =>
    html`<a class="tile t-${status ?? "all"}${f.status === status ? " here" : ""}" href="${fleetHref(f, { status })}#nodes" data-status="${status ?? "all"}"><span class="n">${count(n)}</span><span class="l">${label}</span></a>`;
  return html`<div class="tiles">${tile(undefined, summary.total, "all nodes")}${NODE_STATUSES.map((s) => tile(s, summary.byStatus[s], s))}</div>`;
}

function filterForm(f: Filters): SafeHtml {
  const option = (value: string, label: string, selected: boolean): SafeHtml => html`<option value="${value}"${selected ? html` selected` : ""}>${label}</option>`;
  return html`<form class="filters" method="get" action="/#nodes">
<label>Status<select name="status">${option("", "any", !f.status)}${NODE_STATUSES.map((s) => option(s, s, f.status === s))}</select></label>
<label>Certname contains<input name="q" value="${f.q ?? ""}" placeholder="web-"></label>
<label>Fact (path=value)<input name="fact" value="${f.fact ?? ""}" placeholder="os.family=debian" size="26"></label>
<label>Sort<select name="sort">${option("certname", "certname", f.sort === "certname")}${option("status", "status", f.sort === "status")}${option("last_run", "last run", f.sort === "last_run")}</select></label>
<label>Order<select name="order">${option("asc", "ascending", f.order === "asc")}${option("desc", "descending", f.order === "desc")}</select></label>
<button type="submit">Filter</button>
${(f.status || f.q || f.fact) && html`<a href="/#nodes">clear filters</a>`}
</form>`;
}

function sortHeader(f: Filters, sort: NodeSort, label: string): SafeHtml {
  const here = f.sort === sort;
  const order = here && f.order === "asc" ? "desc" : "asc";
  return html`<a href="${fleetHref(f, { sort, order })}#nodes">${label}${here ? (f.order === "asc" ? " ▲" : " ▼") : ""}</a>`;
}

function nodeTable(nodes: NodeSummary[], f: Filters, now: Date | undefined): SafeHtml {
  if (nodes.length === 0) return html`<p class="muted" id="no-nodes">No node matches these filters.</p>`;
  return html`<table id="node-list"><thead><tr><th>${sortHeader(f, "certname", "Certname")}</th><th>${sortHeader(f, "status", "Status")}</th><th>${sortHeader(f, "last_run", "Last run")}</th>
<th class="num">Changed</th><th class="num">Corrective</th><th class="num">Failed</th><th>Site version</th><th>Catalog</th></tr></thead><tbody>
${nodes.map(
  (
    n,
  ) => html`<tr data-certname="${n.certname}"><td class="wrap"><a href="${pathOf("nodes", n.certname)}">${n.certname}</a></td><td>${badge(n.status)}</td><td>${when(n.lastReportAt, now)}${clockSkewFlag(n.clockSkewSeconds)}</td>
<td class="num">${n.counts?.changed ?? ""}</td><td class="num">${n.counts?.corrective ?? ""}</td><td class="num">${n.counts?.failed ?? ""}</td>
<td>${version(n.siteVersion)}</td><td>${shortDigest(n.catalogDigest)}</td></tr>`,
)}</tbody></table>`;
}

function pager(total: number, f: Filters): SafeHtml {
  const pages = Math.max(1, Math.ceil(total / NODES_PER_PAGE));
  const first = total === 0 ? 0 : (f.page - 1) * NODES_PER_PAGE + 1;
  const last = Math.min(total, f.page * NODES_PER_PAGE);
  return html`<div class="pager" id="pager">Nodes ${count(first)}–${count(last)} of ${count(total)}
${f.page > 1 && html`<a href="${fleetHref(f, { page: f.page - 1 })}#nodes">← previous</a>`}
${f.page < pages && html`<a href="${fleetHref(f, { page: f.page + 1 })}#nodes">next →</a>`}</div>`;
}
