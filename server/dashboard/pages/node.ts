// /nodes/:certname: status, compile failure (file:line:column), run timeline
// (a page of recent reports, each linking to its report), the current
// catalog's resources (decoded from the stored signed envelope) and facts,
// both paged: a node with a huge catalog or fact set once made this page 38 MB.
import type { FastifyInstance } from "fastify";
import { storedCatalog } from "../../../catalog/envelope.js";
import { nodeProbes } from "../../health/node-probes.js";
import { probesSection } from "./node-probes.js";
import { formatProblem } from "../../../catalog/compile-seam.js";
import type { Catalog, Resource } from "../../../catalog/model.js";
import { certificateStatus, type CertificateStatus } from "../../ca/status.js";
import { clockSkewSeconds, nodeDetail, runStatus, type NodeDetail } from "../../status.js";
import type { RolloutRecord } from "../../store/rollouts.js";
import type { ReportSummary, StoredCatalog } from "../../store/store.js";
import type { ApiDeps } from "../../http/routes/deps.js";
import { bytes, clockSkewFlag, count, jsonText, ms, releaseLink, shortDigest, version, when } from "../format.js";
import { html, type SafeHtml } from "../html.js";
import { pageOf, type Paged } from "../paging.js";
import { pathOf, queryString, reportPath } from "../urls.js";
import { badge, page } from "../layout.js";
import { sendError } from "../errors.js";

/** Runs shown per timeline page. */
const RUNS_PER_PAGE = 20;
/** Catalog resources, and top-level facts, shown per page. */
const ITEMS_PER_PAGE = 200;

interface NodeQuerystring {
  runs?: string;
  resources?: string;
  facts?: string;
}

export function nodePageRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get<{ Params: { certname: string }; Querystring: NodeQuerystring }>("/nodes/:certname", async (request, reply) => {
    const { certname } = request.params;
    const self = (section: "resources" | "facts") => (pageNo: number) =>
      `${pathOf("nodes", certname)}${queryString({ ...request.query, [section]: pageNo })}#${section === "resources" ? "catalog" : "facts"}`;
    const node = await nodeDetail(deps.store, certname, deps.statusOptions());
    if (!node) return sendError(reply, request, 404, `no node "${certname}" has checked in`);
    const runs = await deps.store.reports.listReports({ certname, limit: RUNS_PER_PAGE, cursor: request.query.runs || undefined });
    const certificate = await deps.store.certificates.latestCertificate(certname);
    const catalog = await deps.store.catalogs.getCurrentCatalog(certname);
    // Decoded once: the probes and the catalog sections both read it.
    const decoded = catalog && storedCatalog(catalog.envelope);
    const placement: Placement = { release: catalog?.siteVersion, rollout: activeRollout(deps, node.environment) };
    const body = html`${overview(node, certificate && certificateStatus(certificate, new Date()), placement)}
${node.compileFailure && compileFailure(node)}
${timeline(certname, runs.reports, runs.next, request.query.runs !== undefined)}
${probesSection(await nodeProbes(deps.store.health, certname, decoded?.probes ?? [], new Date()))}
${catalogSection(catalog, decoded, (resources) => pageOf(resources, request.query.resources, ITEMS_PER_PAGE, self("resources")))}
${factsSection(node.facts, (facts) => pageOf(facts, request.query.facts, ITEMS_PER_PAGE, self("facts")))}`;
    return reply.type("text/html; charset=utf-8").send(page({ title: certname, section: "fleet", request, body }));
  });
}

/** Where delivery has the node: the release its current catalog is at, and the rollout its environment is in. */
interface Placement {
  release?: string;
  rollout?: RolloutRecord;
}

/** The environment's rollout that has not ended, from the controller's memory (no query). */
function activeRollout(deps: ApiDeps, environment: string | undefined): RolloutRecord | undefined {
  if (!environment || !deps.rollouts) return undefined;
  return deps.rollouts.activeRollouts().find((a) => a.record.environment === environment)?.record;
}

function overview(n: NodeDetail, certificate: CertificateStatus | undefined, placement: Placement): SafeHtml {
  const { rollout } = placement;
  return html`<h1>${n.certname} ${badge(n.status)}${n.deactivatedAt && html` <span class="badge s-deactivated" id="deactivated">deactivated</span>`}</h1>
${n.deactivatedAt && html`<p class="muted">Deactivated ${when(n.deactivatedAt)}: left out of the fleet list and counts until it checks in again.</p>`}
<dl class="facts">
  <dt>Certificate</dt><dd id="certificate">${certificate ? html`${badge(certificate)}${certificate === "revoked" && html` <span class="muted">the server refuses this node; its status is its last run's</span>`}` : html`<span class="muted">none</span>`} · <a href="/certificates">certificates</a></dd>
  <dt>Last check-in</dt><dd>${when(n.lastCheckinAt)}</dd>
  <dt>Last report</dt><dd>${when(n.lastReportAt)}${n.lastRunId && html` · <a href="${reportPath({ runId: n.lastRunId, certname: n.certname })}">latest report</a>`}</dd>
  ${n.lastRunAt && html`<dt>Run started</dt><dd id="run-started">${when(n.lastRunAt)} <span class="muted">(agent clock)</span>${clockSkewFlag(n.clockSkewSeconds)}</dd>`}
  <dt>First check-in</dt><dd>${when(n.firstCheckinAt)}</dd>
  <dt>Environment</dt><dd id="environment" class="wrap">${n.environment ?? html`<span class="muted">none yet (its first compile sets it)</span>`}${rollout && html` · <a href="${pathOf("rollouts", rollout.id)}">rollout ${rollout.id}</a> ${badge(rollout.state)}`}</dd>
  <dt>Release</dt><dd id="release">${releaseLink(placement.release)} <span class="muted">(its current catalog's)</span></dd>
  <dt>Site version</dt><dd>${version(n.siteVersion)} <span class="muted">(its last run's)</span></dd>
  <dt>Catalog</dt><dd>${shortDigest(n.catalogDigest)}</dd>
</dl>`;
}

/** The site does not compile for this node: the operator's to fix, so every problem with its place. */
function compileFailure(n: NodeDetail): SafeHtml {
  const f = n.compileFailure!;
  return html`<div class="problem" id="compile-failure">
<strong>The site (version <code>${f.siteVersion}</code>) does not compile for this node</strong> since ${when(f.at)};
the agent keeps applying its last good catalog.
<ul>${f.problems.map((p) => html`<li><code>${formatProblem(p)}</code></li>`)}</ul></div>`;
}

function timeline(certname: string, runs: ReportSummary[], next: string | undefined, paged: boolean): SafeHtml {
  return html`<h2 id="runs">Runs</h2>
${
  runs.length === 0
    ? html`<p class="muted">No report yet.</p>`
    : html`<table id="run-list"><thead><tr><th>Received</th><th>Started (agent)</th><th>Run</th><th>Status</th><th class="num">Changed</th><th class="num">Corrective</th><th class="num">Failed</th><th class="num">Duration</th><th>Site version</th></tr></thead><tbody>
${runs.map(
  (
    r,
  ) => html`<tr><td>${when(r.receivedAt)}</td><td>${when(r.startedAt)}${clockSkewFlag(clockSkewSeconds(r))}</td><td><a href="${reportPath(r)}"><code>${r.runId}</code></a></td><td>${badge(runStatus(r))}${r.noop && html` <span class="muted">noop</span>`}</td>
<td class="num">${r.counts.changed}</td><td class="num">${r.counts.corrective}</td><td class="num">${r.counts.failed}</td><td class="num">${ms(r.durationMs)}</td><td>${version(r.siteVersion)}</td></tr>`,
)}</tbody></table>`
}
<div class="pager">${paged && html`<a href="${pathOf("nodes", certname)}#runs">newest runs</a>`}${next && html`<a href="${pathOf("nodes", certname)}${queryString({ runs: next })}#runs">older runs →</a>`}</div>`;
}

function catalogSection(stored: StoredCatalog | undefined, catalog: Catalog | undefined, paged: (resources: Resource[]) => Paged<Resource>): SafeHtml {
  if (!stored || !catalog) return html`<h2 id="catalog">Catalog</h2><p class="muted">No catalog compiled yet.</p>`;
  const resources = paged(catalog.resources);
  return html`<h2 id="catalog">Catalog: ${count(resources.total)} resources</h2>
<p class="muted">Serial ${catalog.serial}, compiled ${when(stored.compiledAt)} from site version ${version(catalog.siteVersion)}, digest ${shortDigest(catalog.digest)}.</p>
<table><thead><tr><th>Resource</th><th>Properties</th></tr></thead><tbody>
${resources.items.map((r) => html`<tr><td class="wrap"><code>${r.type}:${r.title}</code>${r.noop && html` <span class="badge s-noop">noop</span>`}${r.sensitive && html` <span class="badge">sensitive</span>`}</td><td class="wrap">${properties(r)}</td></tr>`)}
</tbody></table>
${resources.pager}`;
}

/** A resource's desired properties, one per line; a sensitive resource's values stay hidden. */
function properties(r: Resource): SafeHtml {
  return html`${Object.entries(r.properties).map(([k, v]) => html`<div><span class="muted">${k}</span> <code>${r.sensitive ? "[redacted]" : jsonText(v, 160)}</code></div>`)}`;
}

/** Paged by top-level fact; what one of them holds is bounded by the server's fact limits (README: Limits). */
function factsSection(facts: Record<string, unknown> | undefined, paged: (top: [string, unknown][]) => Paged<[string, unknown]>): SafeHtml {
  if (!facts) return html`<h2 id="facts">Facts</h2><p class="muted">No facts yet.</p>`;
  const top = paged(Object.entries(facts));
  return html`<h2 id="facts">Facts</h2>
<p class="muted">Each value links to the fleet filtered by it.</p>
${factTree(Object.fromEntries(top.items), "")}
${top.pager}`;
}

/** A fact named *_bytes (memory.total_bytes) as a size a person reads; the exact number stays on hover and in the link. */
function sizeOf(key: string, value: unknown): string | false {
  return key.endsWith("_bytes") && typeof value === "number" && bytes(value);
}

/** Nested facts as nested lists; each scalar links to the fleet's fact filter by its dotted path (array items by index). */
function factTree(value: Record<string, unknown>, prefix: string): SafeHtml {
  return html`<dl class="facts">${Object.entries(value).map(([key, v]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    const dd =
      v !== null && typeof v === "object"
        ? factTree(v as Record<string, unknown>, path)
        : html`<a href="/${queryString({ fact: `${path}=${String(v)}` })}"${sizeOf(key, v) && html` title="${String(v)}"`}>${sizeOf(key, v) || jsonText(v, 300)}</a>`;
    return html`<dt><code>${key}</code></dt><dd class="wrap">${dd}</dd>`;
  })}</dl>`;
}
