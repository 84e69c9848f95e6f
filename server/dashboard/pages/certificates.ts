// /certificates: waiting requests (sign, reject) and signed certificates
// (revoke). Changes need the operator role and go through the CA service,
// which writes the audit log, exactly as the API's /certs routes do.
import type { FastifyInstance } from "fastify";
import { formatSha256 } from "../../../pki/fingerprint.js";
import type { CertificateService, CertificateSummary } from "../../ca/service.js";
import { certificateStatus } from "../../ca/status.js";
import { actorOf, requireRole } from "../../http/auth.js";
import type { ApiDeps } from "../../http/routes/deps.js";
import { postButton } from "../forms.js";
import { html, type SafeHtml } from "../html.js";
import { canOperate } from "../session.js";
import { pageNumber, pathOf, queryString } from "../urls.js";
import { badge, page } from "../layout.js";
import { shortDigest, when } from "../format.js";

interface CertnameParams {
  certname: string;
}

/** What each operator button does, and the notice shown after it (the "done" query parameter). */
const CHANGES = {
  sign: { done: "signed", notice: "Signed", run: async (certs: CertificateService, certname: string, actor: string) => void (await certs.sign(certname, actor)) },
  reject: { done: "rejected", notice: "Rejected the request of", run: async (certs: CertificateService, certname: string, actor: string) => void (await certs.reject(certname, actor)) },
  revoke: { done: "revoked", notice: "Revoked", run: async (certs: CertificateService, certname: string, actor: string) => void (await certs.revoke(certname, actor)) },
} as const;
const DONE: Record<string, string> = Object.fromEntries(Object.values(CHANGES).map((c) => [c.done, c.notice]));
/** Rows a page shows of the signed and of the revoked lists (a fleet has thousands). */
const PER_PAGE = 100;

interface CertificatesQuerystring {
  done?: string;
  certname?: string;
  q?: string;
  page?: string;
}

/** A certname filter and the page of the signed and revoked lists. */
interface ListView {
  q?: string;
  page: number;
  now: Date;
  /** A node page exists only once the node checked in: rows link to it only then. */
  hasNode(certname: string): boolean;
}

export function certificatePageRoutes(app: FastifyInstance, deps: Pick<ApiDeps, "certs" | "store">): void {
  const { certs } = deps;
  app.get<{ Querystring: CertificatesQuerystring }>("/certificates", async (request, reply) => {
    const caller = request.apiToken!;
    const { done, certname } = request.query;
    const notice = done && certname && DONE[done] ? html`<p class="notice" role="status">${DONE[done]} ${certname}.</p>` : undefined;
    const q = request.query.q?.trim().toLowerCase() || undefined;
    const all = await certs.list();
    const shown = q ? all.filter((c) => c.certname.includes(q)) : all;
    const rows = pageRows(shown, pageNumber(request.query.page));
    const nodes = new Set<string>();
    for (const c of [...rows.pending, ...rows.signed, ...rows.other]) if (await deps.store.nodes.getNode(c.certname)) nodes.add(c.certname);
    const view: ListView = { q, page: pageNumber(request.query.page), now: new Date(), hasNode: (certname) => nodes.has(certname) };
    const body = certificatesBody(shown, rows, view, canOperate(caller), notice);
    return reply.type("text/html; charset=utf-8").send(page({ title: "Certificates", section: "certificates", request, body }));
  });

  const operator = { preHandler: requireRole("operator") };
  for (const [verb, change] of Object.entries(CHANGES)) {
    app.post<{ Params: CertnameParams }>(`/certificates/:certname/${verb}`, operator, async (request, reply) => {
      await change.run(certs, request.params.certname, actorOf(request));
      return reply.redirect(`/certificates${queryString({ done: change.done, certname: request.params.certname })}`, 303);
    });
  }
}

/** What one page shows: every waiting request, and its page of the signed and of the revoked or rejected lists. */
function pageRows(all: CertificateSummary[], page: number): { pending: CertificateSummary[]; signed: CertificateSummary[]; other: CertificateSummary[] } {
  const from = (page - 1) * PER_PAGE;
  return {
    pending: all.filter((c) => c.state === "pending"),
    signed: all.filter((c) => c.state === "signed").slice(from, from + PER_PAGE),
    other: all.filter((c) => c.state === "revoked" || c.state === "rejected").slice(from, from + PER_PAGE),
  };
}

function certificatesBody(all: CertificateSummary[], rows: ReturnType<typeof pageRows>, view: ListView, operator: boolean, notice: SafeHtml | undefined): SafeHtml {
  const { pending, signed, other } = rows;
  const allSigned = all.filter((c) => c.state === "signed");
  const allOther = all.filter((c) => c.state === "revoked" || c.state === "rejected");
  return html`<h1>Certificates</h1>
${notice}
${!operator && html`<p class="muted">Your token has the viewer role: signing, rejecting and revoking need the operator role.</p>`}
<form class="filters" method="get" action="/certificates">
<label>Certname contains<input name="q" value="${view.q ?? ""}" placeholder="web-"></label><button type="submit">Filter</button>
${view.q && html`<a href="/certificates">clear filter</a>`}
</form>
<h2 id="pending">Waiting requests (${pending.length})</h2>
${
  pending.length === 0
    ? html`<p class="muted">No request is waiting.</p>`
    : html`<p class="muted">Sign a request only when its key fingerprint is the one its agent printed while waiting.</p>
<table><thead><tr><th>Certname</th><th>Requested</th><th>Key fingerprint</th>${operator && html`<th></th>`}</tr></thead><tbody>
${pending.map(
  (
    c,
  ) => html`<tr data-certname="${c.certname}"><td class="wrap">${nodeLink(c.certname, view)}${c.renewalOf && html` ${badge("pending renewal")} <span class="muted">of expired certificate ${shortDigest(c.renewalOf)}</span>`}</td><td>${when(c.requestedAt)}</td><td class="wrap"><code>${formatSha256(c.publicKeySha256)}</code></td>
${operator && html`<td>${action(c.certname, "sign", "Sign", "primary")} ${action(c.certname, "reject", "Reject", "danger", `Reject the request of ${c.certname}? Its agent stops waiting and must bootstrap again.`)}</td>`}</tr>`,
)}
</tbody></table>`
}
<h2 id="signed">Signed (${allSigned.length})</h2>
${
  signed.length === 0
    ? html`<p class="muted">No signed certificate.</p>`
    : html`<table><thead><tr><th>Certname</th><th>State</th><th>Serial</th><th>Signed</th><th>Expires</th>${operator && html`<th></th>`}</tr></thead><tbody>
${signed.map(
  (c) => html`<tr data-certname="${c.certname}"><td class="wrap">${nodeLink(c.certname, view)}</td><td>${badge(certificateStatus(c, view.now))}</td><td>${shortDigest(c.serialHex)}</td>
<td>${when(c.signedAt)}</td><td>${c.notAfter?.toISOString().slice(0, 10)}</td>
${operator && html`<td>${action(c.certname, "revoke", "Revoke", "danger", `Revoke the certificate of ${c.certname}? Its agent is refused from its next call on.`)}</td>`}</tr>`,
)}
</tbody></table>`
}
${
  allOther.length > 0 &&
  html`<h2 id="revoked">Revoked and rejected (${allOther.length})</h2>
<table><thead><tr><th>Certname</th><th>State</th><th>Requested</th><th>Since</th></tr></thead><tbody>
${other.map((c) => html`<tr data-certname="${c.certname}"><td class="wrap">${nodeLink(c.certname, view)}</td><td>${badge(c.state)}</td><td>${when(c.requestedAt)}</td><td>${endedAt(c)}</td></tr>`)}
</tbody></table>`
}
${pager(view, Math.max(allSigned.length, allOther.length))}`;
}

/** "rejected 3h ago", "revoked 2d ago": a rejected request was never revoked. Rejections before migration 4 have no time. */
function endedAt(c: CertificateSummary): SafeHtml {
  const at = c.state === "rejected" ? c.rejectedAt : c.revokedAt;
  return html`${c.state} ${at ? when(at) : html`<span class="muted">(time not recorded)</span>`}`;
}

function nodeLink(certname: string, view: ListView): SafeHtml {
  return view.hasNode(certname) ? html`<a href="${pathOf("nodes", certname)}">${certname}</a>` : html`${certname}`;
}

function pager(view: ListView, longest: number): SafeHtml {
  const pages = Math.ceil(longest / PER_PAGE);
  if (pages <= 1) return html``;
  const href = (page: number): string => `/certificates${queryString({ q: view.q, page })}`;
  return html`<div class="pager">Signed and revoked lists: page ${view.page} of ${pages}
${view.page > 1 && html`<a href="${href(view.page - 1)}">← previous</a>`}
${view.page < pages && html`<a href="${href(view.page + 1)}">next →</a>`}</div>`;
}

function action(certname: string, verb: string, label: string, style: string, confirm?: string): SafeHtml {
  return postButton({ action: pathOf("certificates", certname, verb), label, style, confirm });
}
