// The dashboard cookie is a random server-side session id, not the API token
// (issue 11.6): the cookie is no bearer token, only its hash is stored, logout
// deletes the session (a copy of the cookie stops working), revoking the token
// ends its sessions, an expired session is no session.
import t from "tap";
import { hashSecret } from "../../server/ca/secrets.js";
import { call, startTestApi } from "../server/_helpers.js";
import { fetchPage, login } from "./_helpers.js";

const sessionId = (cookie: string): string => cookie.replace(/^ancla_session=/, "");

t.test("the cookie holds a session id, never the token", async (t) => {
  const api = await startTestApi(t);
  const cookie = await login(api, api.tokens.viewer);
  const id = sessionId(cookie);
  t.notOk(id.includes(api.tokens.viewer), "the token is not in the cookie");
  t.notMatch(id, /^ancla_at_/);
  t.match(await api.store.access.findSession(hashSecret(id), new Date()), { name: "test viewer" }, "stored by its hash");
  t.equal(await api.store.access.findSession(id, new Date()), undefined, "not stored in the clear");
  t.equal((await fetchPage(api, "/", { cookie })).status, 200, "the session works");
  t.equal((await call(api, "GET", "/api/v1/nodes", { token: id })).status, 401, "a stolen cookie is no API token");
});

t.test("logout deletes the session on the server", async (t) => {
  const api = await startTestApi(t);
  const cookie = await login(api, api.tokens.viewer);
  const other = await login(api, api.tokens.viewer);
  const out = await fetchPage(api, "/logout", { method: "POST", cookie });
  t.equal(out.status, 303);
  const replay = await fetchPage(api, "/", { cookie });
  t.equal(replay.status, 303, "the logged-out cookie, replayed, is no session");
  t.equal(replay.headers.location, "/login?next=%2F");
  t.equal((await fetchPage(api, "/", { cookie: other })).status, 200, "another login of the same token stays");
});

t.test("revoking the token ends its sessions", async (t) => {
  const api = await startTestApi(t);
  const operator = await api.certs.createApiToken("operator", "on-call");
  const cookie = await login(api, operator.token);
  t.equal((await fetchPage(api, "/", { cookie })).status, 200);
  const revoked = await call(api, "DELETE", `/api/v1/api-tokens/${operator.id}`, { token: api.tokens.admin });
  t.equal(revoked.status, 200);
  t.equal((await fetchPage(api, "/", { cookie })).status, 303, "the session is gone");
  const again = await fetchPage(api, "/login", { form: { token: operator.token, next: "/" } });
  t.equal(again.status, 401, "and the token cannot log in again");
  t.match(again.text, /not known to this server \(or was revoked\)/);
});

t.test("an expired session is no session", async (t) => {
  const api = await startTestApi(t);
  const token = (await api.store.access.listApiTokens()).find((x) => x.name === "test viewer")!;
  const past = new Date(Date.now() - 13 * 3600_000);
  await api.store.access.createSession({ idSha256: hashSecret("old-session"), tokenId: token.id, createdAt: past, expiresAt: new Date(past.getTime() + 12 * 3600_000) });
  t.equal((await fetchPage(api, "/", { cookie: "ancla_session=old-session" })).status, 303);
});
