// Dashboard authentication over real HTTPS: no token means the login page,
// never data; the session cookie is HttpOnly, Secure and SameSite=Strict; a
// bearer token works too; a viewer cannot change certificates; cross-site
// form posts are refused.
import t from "tap";
import { agentCsr, startTestApi } from "../server/_helpers.js";
import { fetchPage, login } from "./_helpers.js";

t.test("without a token every page redirects to the login page and shows no data", async (t) => {
  const api = await startTestApi(t);
  await api.store.nodes.recordCheckin("secret-node-01", { os: { family: "debian" } }, new Date());
  for (const path of ["/", "/nodes/secret-node-01", "/reports/any-run", "/certificates", "/?status=drifted"]) {
    const res = await fetchPage(api, path);
    t.equal(res.status, 303, `${path} redirects`);
    t.equal(res.headers.location, `/login?next=${encodeURIComponent(path)}`, `${path} goes to the login page and back`);
    t.notMatch(res.text, /secret-node-01/, `${path} shows no data`);
  }
  const unknown = await fetchPage(api, "/", { cookie: "ancla_session=ancla_at_not-a-real-token" });
  t.equal(unknown.status, 303, "an unknown session cookie is no session");
  const wrongBearer = await fetchPage(api, "/", { token: "ancla_at_wrong" });
  t.equal(wrongBearer.status, 303, "an unknown bearer token is no session");
  const form = await fetchPage(api, "/login?next=%2Fcertificates");
  t.equal(form.status, 200);
  t.match(form.text, /<form method="post" action="\/login">/);
  t.match(form.text, /name="next" value="\/certificates"/, "the form carries where to go next");
});

t.test("logging in sets a strict session cookie; a bad token is refused", async (t) => {
  const api = await startTestApi(t);
  const bad = await fetchPage(api, "/login", { form: { token: "ancla_at_nope", next: "/" } });
  t.equal(bad.status, 401);
  t.equal(bad.headers["set-cookie"], undefined, "no cookie for a bad token");
  t.match(bad.text, /not known to this server/);

  const res = await fetchPage(api, "/login", { form: { token: api.tokens.viewer, next: "/certificates" } });
  t.equal(res.status, 303);
  t.equal(res.headers.location, "/certificates");
  const cookie = [res.headers["set-cookie"] ?? []].flat().join("\n");
  t.match(cookie, /^ancla_session=/);
  for (const attr of [/HttpOnly/, /Secure/, /SameSite=Strict/, /Path=\//]) t.match(cookie, attr);

  const elsewhere = await fetchPage(api, "/login", { form: { token: api.tokens.viewer, next: "//evil.example/x" } });
  t.equal(elsewhere.headers.location, "/", "next never leaves this server");

  const session = await login(api, api.tokens.viewer);
  const fleet = await fetchPage(api, "/", { cookie: session });
  t.equal(fleet.status, 200);
  t.match(fleet.text, /test viewer \(viewer\)/, "the page names who is logged in");
  t.match(String(fleet.headers["content-security-policy"]), /script-src 'self'/);

  const out = await fetchPage(api, "/logout", { method: "POST", cookie: session });
  t.equal(out.status, 303);
  t.match([out.headers["set-cookie"] ?? []].flat().join(), /ancla_session=;/, "logging out clears the cookie");
});

t.test("pages accept the API's bearer token", async (t) => {
  const api = await startTestApi(t);
  await api.store.nodes.recordCheckin("web-01", {}, new Date());
  const res = await fetchPage(api, "/", { token: api.tokens.viewer });
  t.equal(res.status, 200);
  t.match(res.text, /web-01/);
  t.match(String(res.headers["content-type"]), /^text\/html/);
  const api401 = await fetchPage(api, "/api/v1/nodes", { cookie: await login(api, api.tokens.admin) });
  t.equal(api401.status, 401, "the session cookie is not an API credential");
});

t.test("a viewer sees certificates without buttons and cannot sign; an operator can", async (t) => {
  const api = await startTestApi(t);
  await api.certs.submitCsr(agentCsr("pending-01").csrPem, undefined);

  const viewer = await login(api, api.tokens.viewer);
  const seen = await fetchPage(api, "/certificates", { cookie: viewer });
  t.equal(seen.status, 200);
  t.match(seen.text, /pending-01/);
  t.notMatch(seen.text, /\/certificates\/pending-01\/sign/, "no sign button for a viewer");
  const refused = await fetchPage(api, "/certificates/pending-01/sign", { method: "POST", cookie: viewer });
  t.equal(refused.status, 403);
  t.match(refused.text, /needs the operator role/);
  t.equal((await api.store.certificates.pendingCertificate("pending-01"))?.state, "pending", "still waiting");

  const operator = await login(api, api.tokens.operator);
  const page = await fetchPage(api, "/certificates", { cookie: operator });
  t.match(page.text, /action="\/certificates\/pending-01\/sign"/, "the operator gets the sign button");
  const signed = await fetchPage(api, "/certificates/pending-01/sign", { method: "POST", cookie: operator });
  t.equal(signed.status, 303);
  t.equal(signed.headers.location, "/certificates?done=signed&certname=pending-01");
  t.ok(await api.store.certificates.liveCertificate("pending-01", new Date()), "signed");
  const audit = (await api.store.audit.listAudit({ limit: 5 })).find((e) => e.action === "cert.sign");
  t.match(audit, { target: "pending-01", actor: /test operator/ }, "the audit log names the operator");

  const revoked = await fetchPage(api, "/certificates/pending-01/revoke", { method: "POST", token: api.tokens.operator, origin: null });
  t.equal(revoked.status, 303, "a bearer-token post needs no Origin (a browser cannot forge the header)");
  t.equal(await api.store.certificates.liveCertificate("pending-01", new Date()), undefined, "revoked");
});

t.test("a cookie-authenticated form post from another origin is refused", async (t) => {
  const api = await startTestApi(t);
  await api.certs.submitCsr(agentCsr("pending-02").csrPem, undefined);
  const operator = await login(api, api.tokens.operator);
  const forged = await fetchPage(api, "/certificates/pending-02/sign", { method: "POST", cookie: operator, origin: "https://evil.example" });
  t.equal(forged.status, 403);
  t.match(forged.text, /cross-site/);
  const bare = await fetchPage(api, "/certificates/pending-02/sign", { method: "POST", cookie: operator, origin: null });
  t.equal(bare.status, 403, "no Origin and no Referer: refused too");
  const forgedLogin = await fetchPage(api, "/login", { form: { token: api.tokens.operator }, origin: "https://evil.example" });
  t.equal(forgedLogin.status, 403, "login forgery refused");
  t.equal((await api.store.certificates.pendingCertificate("pending-02"))?.state, "pending", "nothing signed");
});
