// The OpenAPI document describes every API route; every route it lists
// refuses a caller without a token; token administration is admin-only and audited.
import t from "tap";
import { agentCsr, call, startTestApi } from "./_helpers.js";

interface OpenApi {
  openapi: string;
  paths: Record<string, Record<string, { tags?: string[]; parameters?: { name: string; in: string }[]; responses: Record<string, unknown> }>>;
}

t.test("OpenAPI, 401 everywhere, tokens and pending requests", async (t) => {
  const api = await startTestApi(t);

  const doc = await call(api, "GET", "/api/v1/openapi.json");
  t.test("/api/v1/openapi.json is public and lists the API from the route schemas", async (t) => {
    t.equal(doc.status, 200);
    const spec = doc.body as OpenApi;
    t.match(spec.openapi, /^3\./);
    for (const path of [
      "/api/v1/nodes",
      "/api/v1/nodes/{certname}",
      "/api/v1/nodes/{certname}/catalog",
      "/api/v1/reports",
      "/api/v1/reports/{runId}/events",
      "/api/v1/fleet/summary",
      "/api/v1/fleet/drift",
      "/api/v1/compile-failures",
      "/api/v1/catalogs/{digest}",
      "/api/v1/certs",
      "/api/v1/tokens",
      "/api/v1/api-tokens",
      "/api/v1/audit",
      "/api/v1/releases",
      "/api/v1/releases/{version}",
      "/api/v1/runs",
    ]) {
      t.ok(spec.paths[path], `documents ${path}`);
    }
    t.same(spec.paths["/api/v1/nodes"].get.parameters?.map((p) => p.name).sort(), ["environment", "fact", "limit", "offset", "order", "search", "sort", "status"]);
    t.ok(spec.paths["/api/v1/nodes"].get.responses["200"], "response schema documented");
    t.notOk(
      Object.keys(spec.paths).some((p) => !p.startsWith("/api/v1/")),
      "only the API: no dashboard pages, no /metrics",
    );
  });

  t.test("every documented route answers 401 without a token", async (t) => {
    const spec = doc.body as OpenApi;
    let checked = 0;
    for (const [path, methods] of Object.entries(spec.paths)) {
      for (const method of Object.keys(methods)) {
        const concrete = path.replace("{certname}", "web-01").replace("{runId}", "r1").replace("{digest}", "a".repeat(64));
        const res = await call(api, method.toUpperCase(), concrete, { body: method === "post" ? "{}" : undefined });
        t.equal(res.status, 401, `${method} ${path}`);
        checked++;
      }
    }
    t.ok(checked >= 16, `${checked} routes checked`);
    t.equal((await call(api, "GET", "/metrics")).status, 401, "/metrics too");
  });

  t.test("GET /certs?state=pending lists the waiting requests only", async (t) => {
    await api.certs.submitCsr(agentCsr("waiting-01").csrPem, undefined);
    const created = await api.certs.createBootstrapToken({ ttlSeconds: 60 }, "test");
    await api.certs.submitCsr(agentCsr("signed-01").csrPem, created.token);
    const pending = (await call(api, "GET", "/api/v1/certs?state=pending", { token: api.tokens.viewer })).body as { certificates: { certname: string; state: string }[] };
    t.same(
      pending.certificates.map((c) => [c.certname, c.state]),
      [["waiting-01", "pending"]],
    );
    t.equal((await call(api, "GET", "/api/v1/certs?state=maybe", { token: api.tokens.viewer })).status, 400);
  });

  t.test("admins list bootstrap tokens (no secrets) and create API tokens; both audited", async (t) => {
    t.equal((await call(api, "GET", "/api/v1/tokens", { token: api.tokens.operator })).status, 403);
    const listed = (await call(api, "GET", "/api/v1/tokens", { token: api.tokens.admin })).body as { tokens: Record<string, unknown>[] };
    t.ok(listed.tokens.length >= 1);
    t.notOk(JSON.stringify(listed).includes("ancla_bt_"), "no secret leaves");
    t.same(Object.keys(listed.tokens[0]).sort(), ["certname_glob", "created_at", "created_by", "expires_at", "id", "one_time", "revoked_at", "used_at"]);

    const denied = await call(api, "POST", "/api/v1/api-tokens", { token: api.tokens.operator, body: JSON.stringify({ role: "viewer", name: "prometheus" }) });
    t.equal(denied.status, 403);
    const bad = await call(api, "POST", "/api/v1/api-tokens", { token: api.tokens.admin, body: JSON.stringify({ role: "root", name: "x" }) });
    t.match(bad, { status: 400, body: { error: { code: "ANCLA_E_INVALID_ARGUMENT" } } });
    const res = await call(api, "POST", "/api/v1/api-tokens", { token: api.tokens.admin, body: JSON.stringify({ role: "viewer", name: "prometheus" }) });
    t.equal(res.status, 201);
    const made = res.body as { token: string; id: string; role: string };
    t.match(made, { role: "viewer", name: "prometheus" });
    t.equal((await call(api, "GET", "/api/v1/nodes", { token: made.token })).status, 200, "the new token reads");
    t.equal((await call(api, "POST", "/api/v1/certs/waiting-01/sign", { token: made.token })).status, 403, "and only reads");
    const audit = (await call(api, "GET", "/api/v1/audit?limit=1", { token: made.token })).body as { entries: { action: string; actor: string; target: string; at: string }[] };
    t.match(audit.entries[0], { action: "api-token.create", actor: /test admin/, target: made.id, at: /^\d{4}-/ });
  });
});
