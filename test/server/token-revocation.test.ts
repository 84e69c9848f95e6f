// Leaked tokens can be revoked (issue 11.6): a revoked API token is refused at
// its very next request, a revoked bootstrap token enrols nobody, both stay
// listed with when they were revoked, and every revocation is audited. A
// bootstrap token lives at most 7 days.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import { cli } from "../helpers/processes.js";
import { agentCsr, call, startTestApi, tempDir } from "./_helpers.js";

interface Listed {
  id: string;
  revoked_at: string | null;
}

t.test("a revoked API token gets 401 at once and stays listed as revoked", async (t) => {
  const api = await startTestApi(t);
  const leaked = await api.certs.createApiToken("operator", "ci runner");
  t.equal((await call(api, "GET", "/api/v1/nodes", { token: leaked.token })).status, 200, "the token works before");

  const listed = await call(api, "GET", "/api/v1/api-tokens", { token: api.tokens.admin });
  t.equal(listed.status, 200);
  // Tokens made in the same millisecond list in any order: find this one.
  t.match(
    (listed.body as { tokens: Listed[] }).tokens.find((x) => x.id === leaked.id),
    { id: leaked.id, role: "operator", name: "ci runner", revoked_at: null },
  );
  t.notMatch(JSON.stringify(listed.body), /ancla_at_|secret/, "no secret and no hash in the list");

  const revoked = await call(api, "DELETE", `/api/v1/api-tokens/${leaked.id}`, { token: api.tokens.admin });
  t.equal(revoked.status, 200, JSON.stringify(revoked.body));
  t.match(revoked.body, { id: leaked.id, revoked_at: /^\d{4}-/ });

  const after = await call(api, "GET", "/api/v1/nodes", { token: leaked.token });
  t.equal(after.status, 401, "refused at its next request");
  t.match(after.body, { error: { code: "ANCLA_E_UNAUTHENTICATED" } });
  const again = await call(api, "DELETE", `/api/v1/api-tokens/${leaked.id}`, { token: api.tokens.admin });
  t.equal(again.status, 200, "revoking twice is harmless");
  t.equal((again.body as Listed).revoked_at, (revoked.body as Listed).revoked_at, "and keeps the first revocation time");

  const audit = (await api.store.audit.listAudit({ limit: 10 })).filter((e) => e.action === "api-token.revoke");
  t.equal(audit.length, 1, "audited once");
  t.match(audit[0], { target: leaked.id, actor: /^token:.*\(test admin\)$/, detail: { role: "operator", name: "ci runner" } });
});

t.test("revoking API tokens: admin only, unknown ids 404, the last live admin token stays", async (t) => {
  const api = await startTestApi(t);
  const victim = await api.certs.createApiToken("viewer", "grafana");
  t.equal((await call(api, "DELETE", `/api/v1/api-tokens/${victim.id}`, { token: api.tokens.operator })).status, 403, "operators cannot revoke");
  t.equal((await call(api, "GET", "/api/v1/api-tokens", { token: api.tokens.viewer })).status, 403, "viewers cannot list");
  const unknown = await call(api, "DELETE", "/api/v1/api-tokens/nope", { token: api.tokens.admin });
  t.equal(unknown.status, 404);
  t.match(unknown.body, { error: { code: "ANCLA_E_NOT_FOUND", message: /no API token "nope"/ } });

  const tokens = (await call(api, "GET", "/api/v1/api-tokens", { token: api.tokens.admin })).body as { tokens: (Listed & { role: string })[] };
  const admin = tokens.tokens.find((x) => x.role === "admin")!;
  const last = await call(api, "DELETE", `/api/v1/api-tokens/${admin.id}`, { token: api.tokens.admin });
  t.equal(last.status, 409);
  t.match(last.body, { error: { code: "ANCLA_E_LAST_ADMIN_TOKEN" } });
  t.equal((await call(api, "GET", "/api/v1/nodes", { token: api.tokens.admin })).status, 200, "the admin token still works");

  // With a second admin, the first may go (even revoking itself).
  await api.certs.createApiToken("admin", "second admin");
  t.equal((await call(api, "DELETE", `/api/v1/api-tokens/${admin.id}`, { token: api.tokens.admin })).status, 200);
  t.equal((await call(api, "GET", "/api/v1/nodes", { token: api.tokens.admin })).status, 401);
});

t.test("a revoked bootstrap token enrols no agent", async (t) => {
  const api = await startTestApi(t);
  const created = await call(api, "POST", "/api/v1/tokens", { token: api.tokens.admin, body: JSON.stringify({ one_time: false }) });
  const { token, id } = created.body as { token: string; id: string };
  t.equal((await api.certs.submitCsr(agentCsr("web-01").csrPem, token)).state, "signed", "it enrols before");

  t.equal((await call(api, "DELETE", `/api/v1/tokens/${id}`, { token: api.tokens.operator })).status, 403, "admin only");
  const revoked = await call(api, "DELETE", `/api/v1/tokens/${id}`, { token: api.tokens.admin });
  t.equal(revoked.status, 200, JSON.stringify(revoked.body));
  t.match(revoked.body, { id, one_time: false, revoked_at: /^\d{4}-/ });
  await t.rejects(() => api.certs.submitCsr(agentCsr("web-02").csrPem, token), { code: "ANCLA_E_TOKEN_INVALID" }, "refused after");
  t.equal(await api.store.certificates.liveCertificate("web-02", new Date()), undefined, "no certificate issued");

  const listed = (await call(api, "GET", "/api/v1/tokens", { token: api.tokens.admin })).body as { tokens: Listed[] };
  t.match(
    listed.tokens.find((x) => x.id === id),
    { id, revoked_at: /^\d{4}-/ },
  );
  t.match(
    (await api.store.audit.listAudit({ limit: 10 })).find((e) => e.action === "token.revoke"),
    { target: id },
  );
  t.equal((await call(api, "DELETE", "/api/v1/tokens/nope", { token: api.tokens.admin })).status, 404);
});

t.test("a bootstrap token lives at most 7 days; longer is a 400 naming the maximum", async (t) => {
  const api = await startTestApi(t);
  const week = await call(api, "POST", "/api/v1/tokens", { token: api.tokens.admin, body: JSON.stringify({ ttl_seconds: 7 * 86_400 }) });
  t.equal(week.status, 201);
  const longer = await call(api, "POST", "/api/v1/tokens", { token: api.tokens.admin, body: JSON.stringify({ ttl_seconds: 7 * 86_400 + 1 }) });
  t.equal(longer.status, 400);
  t.match(longer.body, { error: { code: "ANCLA_E_INVALID_ARGUMENT", message: /604800/ } });
});

t.test("ancla token list|revoke and api-token list|revoke", async (t) => {
  const api = await startTestApi(t);
  const caFile = join(tempDir(t), "ca.crt");
  writeFileSync(caFile, api.ca.certPem);
  const noEnv = { ANCLA_URL: "", ANCLA_TOKEN: "", ANCLA_CA_FILE: "" };
  const ancla = (args: string[]) => cli("ancla", [...args, "--url", api.url, "--token", api.tokens.admin, "--ca-file", caFile], { env: noEnv });

  const bootstrap = await api.certs.createBootstrapToken({ ttlSeconds: 600, certnameGlob: "db-*" }, "test");
  const list = await ancla(["token", "list"]);
  t.equal(list.code, 0, list.stderr);
  t.match(list.stdout, new RegExp(`^ID\\s+STATE\\s+SCOPE[^\\n]*\\n${bootstrap.id}\\s+live\\s+db-\\*\\s+one-time`));
  const revoke = await ancla(["token", "revoke", bootstrap.id]);
  t.equal(revoke.code, 0, revoke.stderr);
  t.match(revoke.stdout, new RegExp(`^bootstrap token ${bootstrap.id} revoked at \\d{4}-`));
  t.match((await ancla(["token", "list"])).stdout, new RegExp(`\\n${bootstrap.id}\\s+revoked\\s`));

  const leaked = await api.certs.createApiToken("viewer", "prometheus");
  const apiList = JSON.parse((await ancla(["api-token", "list", "--json"])).stdout) as Listed[];
  t.match(
    apiList.find((x) => x.id === leaked.id),
    { name: "prometheus", revoked_at: null },
  );
  const apiRevoke = await ancla(["api-token", "revoke", leaked.id]);
  t.equal(apiRevoke.code, 0, apiRevoke.stderr);
  t.match(apiRevoke.stdout, new RegExp(`^API token ${leaked.id} \\("prometheus", viewer\\) revoked at `));
  t.equal((await call(api, "GET", "/api/v1/nodes", { token: leaked.token })).status, 401);

  const unknown = await ancla(["api-token", "revoke", "nope"]);
  t.equal(unknown.code, 1);
  t.match(unknown.stderr, /ANCLA_E_NOT_FOUND: no API token "nope"/);
  const missing = await ancla(["token", "revoke"]);
  t.equal(missing.code, 64, "an id is required");
  const tooLong = await ancla(["token", "create", "--ttl", "30d"]);
  t.equal(tooLong.code, 64);
  t.match(tooLong.stderr, /at most 7d/);
});
