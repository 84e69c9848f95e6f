import t from "tap";
import { agentCsr, call, startTestApi } from "./_helpers.js";

t.test("API authentication and roles", async (t) => {
  const api = await startTestApi(t);

  t.test("no token, an unknown token or another scheme: 401 with the error shape", async (t) => {
    for (const token of [undefined, "not-a-token"]) {
      const res = await call(api, "GET", "/api/v1/certs", { token });
      t.equal(res.status, 401);
      t.match(res.body, { error: { code: "ANCLA_E_UNAUTHENTICATED", message: /Bearer/ } });
    }
  });

  t.test("viewers read", async (t) => {
    for (const path of ["/api/v1/certs", "/api/v1/nodes", "/api/v1/audit"]) {
      t.equal((await call(api, "GET", path, { token: api.tokens.viewer })).status, 200, path);
    }
  });

  t.test("viewers may not sign or revoke: 403", async (t) => {
    await api.certs.submitCsr(agentCsr("web-01").csrPem, undefined);
    const res = await call(api, "POST", "/api/v1/certs/web-01/sign", { token: api.tokens.viewer });
    t.equal(res.status, 403);
    t.match(res.body, { error: { code: "ANCLA_E_PERMISSION_DENIED", message: /needs the operator role/ } });
    t.equal((await call(api, "POST", "/api/v1/certs/web-01/revoke", { token: api.tokens.viewer })).status, 403);
    t.equal((await api.certs.list())[0].state, "pending", "nothing happened");
  });

  t.test("operators sign and revoke, and the audit log names them", async (t) => {
    const signed = await call(api, "POST", "/api/v1/certs/web-01/sign", { token: api.tokens.operator });
    t.equal(signed.status, 200);
    t.match(signed.body, { certname: "web-01", state: "signed", serial: /^[0-9a-f]+$/ });
    const revoked = await call(api, "POST", "/api/v1/certs/web-01/revoke", { token: api.tokens.operator });
    t.equal(revoked.status, 200);
    t.match(revoked.body, { certname: "web-01", revoked_serials: [(signed.body as { serial: string }).serial] });
    const audit = (await call(api, "GET", "/api/v1/audit", { token: api.tokens.viewer })).body as { entries: { action: string; actor: string }[] };
    t.match(audit.entries.slice(0, 2), [
      { action: "cert.revoke", actor: /test operator/ },
      { action: "cert.sign", actor: /test operator/ },
    ]);
  });

  t.test("operators reject a waiting request; viewers may not", async (t) => {
    await api.certs.submitCsr(agentCsr("web-07").csrPem, undefined);
    t.equal((await call(api, "POST", "/api/v1/certs/web-07/reject", { token: api.tokens.viewer })).status, 403);
    const rejected = await call(api, "POST", "/api/v1/certs/web-07/reject", { token: api.tokens.operator });
    t.equal(rejected.status, 200);
    t.match(rejected.body, { certname: "web-07", state: "rejected" });
    t.match(await call(api, "POST", "/api/v1/certs/web-07/reject", { token: api.tokens.operator }), { status: 404, body: { error: { code: "ANCLA_E_CERT_UNKNOWN" } } });
    const audit = (await call(api, "GET", "/api/v1/audit", { token: api.tokens.viewer })).body as { entries: { action: string; actor: string }[] };
    t.match(audit.entries[0], { action: "cert.reject", actor: /test operator/ });
  });

  t.test("only admins create bootstrap tokens", async (t) => {
    const denied = await call(api, "POST", "/api/v1/tokens", { token: api.tokens.operator, body: "{}" });
    t.equal(denied.status, 403);
    const res = await call(api, "POST", "/api/v1/tokens", { token: api.tokens.admin, body: JSON.stringify({ ttl_seconds: 600, certname_glob: "db-*" }) });
    t.equal(res.status, 201);
    const created = res.body as { token: string; id: string; expires_at: string; one_time: boolean; certname_glob: string };
    t.match(created, { id: /^[0-9a-f]{12}$/, one_time: true, certname_glob: "db-*" });
    const ttl = Date.parse(created.expires_at) - Date.now();
    t.ok(ttl > 590_000 && ttl <= 600_000, "expires after ttl_seconds");
    t.equal((await api.certs.submitCsr(agentCsr("db-01").csrPem, created.token)).state, "signed", "the token works");
  });
});
