// /login and /logout: the operator pastes an API token once; it is checked
// against the token table and opens a server-side session (session.ts).
import type { FastifyInstance, FastifyReply } from "fastify";
import { hashSecret } from "../../ca/secrets.js";
import type { Store } from "../../store/store.js";
import { html } from "../html.js";
import { page } from "../layout.js";
import { checkSameOrigin, closeSession, findCaller, localPath, openSession } from "../session.js";

interface LoginForm {
  token?: string;
  next?: string;
}

export function loginRoutes(app: FastifyInstance, store: Store): void {
  app.get<{ Querystring: { next?: string } }>("/login", async (request, reply) => {
    const next = localPath(request.query.next);
    if (await findCaller(store, request)) return reply.redirect(next, 303);
    return sendLogin(reply, 200, next);
  });

  app.post<{ Body: LoginForm | undefined }>("/login", async (request, reply) => {
    // A forged login would sign the victim in as the attacker: same check as any form post.
    checkSameOrigin(request);
    const next = localPath(request.body?.next);
    const secret = (request.body?.token ?? "").trim();
    if (!secret) return sendLogin(reply, 400, next, "Paste an API token.");
    const token = await store.access.findApiToken(hashSecret(secret));
    if (!token) return sendLogin(reply, 401, next, "That token is not known to this server (or was revoked).");
    await openSession(store, reply, token);
    request.log.info({ token: token.id, role: token.role }, "dashboard login");
    return reply.redirect(next, 303);
  });

  app.post("/logout", async (request, reply) => {
    checkSameOrigin(request);
    await closeSession(store, request, reply);
    return reply.redirect("/login", 303);
  });
}

function sendLogin(reply: FastifyReply, status: number, next: string, error?: string): FastifyReply {
  const body = html`<div class="login">
  <h1>Log in</h1>
  <p class="muted">Paste an operator API token. <code>ancla-server init</code> prints the first admin token
  (also in <code>admin.token</code> in the server's data dir); an admin makes more with
  <code>POST /api/v1/api-tokens</code>.</p>
  ${error && html`<p class="error" role="alert">${error}</p>`}
  <form method="post" action="/login">
    <input type="hidden" name="next" value="${next}">
    <label for="token">API token</label>
    <input id="token" name="token" type="password" autocomplete="off" autofocus required>
    <button class="primary" type="submit">Log in</button>
  </form>
</div>`;
  return reply
    .code(status)
    .type("text/html; charset=utf-8")
    .send(page({ title: "Log in", section: "none", body }));
}
