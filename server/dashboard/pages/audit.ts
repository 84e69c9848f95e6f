// /audit: who changed what and when, newest first, as GET /api/v1/audit gives
// it (any role may read it, as there), paged by entry id so a long log stays
// one small query per page.
import type { FastifyInstance } from "fastify";
import type { ApiDeps } from "../../http/routes/deps.js";
import type { StoredAuditEntry } from "../../store/store.js";
import { jsonText, when } from "../format.js";
import { html } from "../html.js";
import { badge, page } from "../layout.js";
import { queryString } from "../urls.js";

const PER_PAGE = 100;

interface AuditQuerystring {
  before?: string;
}

export function auditPageRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get<{ Querystring: AuditQuerystring }>("/audit", async (request, reply) => {
    const before = /^[1-9]\d{0,15}$/.test(request.query.before ?? "") ? Number(request.query.before) : undefined;
    const entries = await deps.store.audit.listAudit({ limit: PER_PAGE, beforeId: before });
    const now = new Date();
    const older = entries.length === PER_PAGE && html`<a href="/audit${queryString({ before: entries[entries.length - 1].id })}">older entries →</a>`;
    const body = html`<h1>Audit log</h1>
<p class="muted">Every change made through the API, the CLI, the dashboard or by agents, with who made it.</p>
${
  entries.length === 0
    ? html`<p class="muted" id="no-entries">Nothing recorded${before === undefined ? " yet" : " before this point"}.</p>`
    : html`<table id="audit"><thead><tr><th>When</th><th>Who</th><th>What</th><th>On</th><th>Detail</th></tr></thead><tbody>
${entries.map((e: StoredAuditEntry) => html`<tr data-id="${e.id}"><td>${when(e.at, now)}</td><td class="wrap">${e.actor}</td><td>${badge(e.action.split(".")[0])} <code>${e.action}</code></td><td class="wrap">${e.target}</td><td class="wrap"><code>${jsonText(e.detail, 200)}</code></td></tr>`)}
</tbody></table>`
}
<div class="pager">${before !== undefined && html`<a href="/audit">newest</a>`}${older}</div>`;
    return reply.type("text/html; charset=utf-8").send(page({ title: "Audit log", section: "audit", request, body }));
  });
}
