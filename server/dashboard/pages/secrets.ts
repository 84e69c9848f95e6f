// /secrets: the secrets the server keeps, as GET /api/v1/secrets lists them
// (operator role): names, scopes, versions, who set them and when. Never a
// value: the page reads the same list, which holds none.
import type { FastifyInstance } from "fastify";
import type { SecretService } from "../../secrets/service.js";
import type { SecretRecord } from "../../store/store.js";
import { sendError } from "../errors.js";
import { when } from "../format.js";
import { html, type SafeHtml } from "../html.js";
import { page } from "../layout.js";
import { canOperate } from "../session.js";

export function secretPageRoutes(app: FastifyInstance, secrets: SecretService): void {
  app.get("/secrets", async (request, reply) => {
    if (!request.apiToken || !canOperate(request.apiToken)) return sendError(reply, request, 403, "the secrets list needs the operator role, as GET /api/v1/secrets does");
    const list = await secrets.list();
    const body = html`<h1>Secrets</h1>
<p class="muted">Sealed on the server; values are never shown. Set and rotate with <code>ancla secret set NAME &lt; file</code> and <code>ancla secret rotate NAME</code> (admin).</p>
${list.length === 0 ? html`<p class="muted" id="no-secrets">No secrets are kept.</p>` : table(list)}`;
    return reply.type("text/html; charset=utf-8").send(page({ title: "Secrets", section: "secrets", request, body }));
  });
}

function table(list: SecretRecord[]): SafeHtml {
  return html`<table id="secrets"><thead><tr><th>Name</th><th class="num">Version</th><th>Environment</th><th>Nodes</th><th>Description</th><th>Set by</th><th>Set</th></tr></thead><tbody>
${list.map((s) => html`<tr data-secret="${s.name}"><td><code>${s.name}</code></td><td class="num">${s.version}</td><td>${s.environment ?? "any"}</td><td>${s.nodesGlob ? html`<code>${s.nodesGlob}</code>` : "any"}</td><td>${s.description ?? ""}</td><td>${s.updatedBy}</td><td>${when(s.updatedAt)}</td></tr>`)}
</tbody></table>`;
}
