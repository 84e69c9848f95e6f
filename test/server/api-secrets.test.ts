// The secrets API: admins set, rotate and delete, operators list, viewers see
// nothing; bad names, bad base64 and unknown secrets are clear 4xx answers;
// no answer, OpenAPI document included, has a field that could carry a value.
import t from "tap";
import { call, startTestApi } from "./_helpers.js";

const VALUE = "s3cret-for-the-api-test";
const b64 = (s: string): string => Buffer.from(s).toString("base64");
const json = (body: unknown): string => JSON.stringify(body);

t.test("the secrets API by role, and its refusals", async (t) => {
  const api = await startTestApi(t);
  const { admin, operator, viewer } = api.tokens;

  const set = await call(api, "PUT", "/api/v1/secrets/db-password", { token: admin, body: json({ value_base64: b64(VALUE), environment: "production", nodes: "db-*" }) });
  t.equal(set.status, 200);
  t.match(set.body, { name: "db-password", version: 1, versions: 1, environment: "production", nodes: "db-*", description: null });
  t.notMatch(JSON.stringify(set.body), VALUE, "the answer to a set holds no value");
  t.notMatch(JSON.stringify(set.body), b64(VALUE), "nor its base64");

  t.equal((await call(api, "PUT", "/api/v1/secrets/db-password", { token: operator, body: json({ value_base64: b64("x") }) })).status, 403, "an operator may not set");
  t.equal((await call(api, "POST", "/api/v1/secrets/db-password/rotate", { token: operator, body: json({ value_base64: b64("x") }) })).status, 403, "nor rotate");
  t.equal((await call(api, "DELETE", "/api/v1/secrets/db-password", { token: operator })).status, 403, "nor delete");
  t.equal((await call(api, "POST", "/api/v1/kms/rotate", { token: operator })).status, 403, "nor rotate the KEK");
  t.equal((await call(api, "GET", "/api/v1/secrets", { token: viewer })).status, 403, "a viewer may not even list");
  const listed = await call(api, "GET", "/api/v1/secrets", { token: operator });
  t.equal(listed.status, 200, "an operator lists");
  t.match(listed.body, { secrets: [{ name: "db-password", version: 1 }] });

  const badName = await call(api, "PUT", "/api/v1/secrets/9lives", { token: admin, body: json({ value_base64: b64("x") }) });
  t.equal(badName.status, 400, "a name that is not a secret name");
  const badValue = await call(api, "PUT", "/api/v1/secrets/other", { token: admin, body: json({ value_base64: "not base64!" }) });
  t.equal(badValue.status, 400, "a value that is not base64");
  const badGlob = await call(api, "PUT", "/api/v1/secrets/other", { token: admin, body: json({ value_base64: b64("x"), nodes: "web-[" }) });
  t.equal(badGlob.status, 400);
  t.match(badGlob.body, { error: { code: "ANCLA_E_INVALID_ARGUMENT", message: /not a valid glob/ } });
  const extra = await call(api, "PUT", "/api/v1/secrets/other", { token: admin, body: json({ value_base64: b64("x"), value: "x" }) });
  t.equal(extra.status, 400, "an unknown body field (a value in the clear) is refused");
  t.match(await call(api, "POST", "/api/v1/secrets/nope/rotate", { token: admin, body: json({ value_base64: b64("x") }) }), { status: 404, body: { error: { code: "ANCLA_E_NOT_FOUND" } } });
  t.match(await call(api, "DELETE", "/api/v1/secrets/nope", { token: admin }), { status: 404 });
  t.same(
    ((await call(api, "GET", "/api/v1/secrets", { token: operator })).body as { secrets: { name: string }[] }).secrets.map((s) => s.name),
    ["db-password"],
    "the refusals stored nothing",
  );

  const rotated = await call(api, "POST", "/api/v1/secrets/db-password/rotate", { token: admin, body: json({ value_base64: b64("second") }) });
  t.match(rotated, { status: 200, body: { version: 2, environment: "production", nodes: "db-*" } });
  t.equal((await api.store.secrets.sealedVersion("db-password"))?.version, 2);

  const spec = (await call(api, "GET", "/api/v1/openapi.json")).body as { paths: Record<string, Record<string, { responses: unknown }>> };
  const routes = Object.entries(spec.paths).filter(([path]) => path.startsWith("/api/v1/secrets") || path.startsWith("/api/v1/kms"));
  t.same(routes.map(([path]) => path).sort(), ["/api/v1/kms/rotate", "/api/v1/secrets", "/api/v1/secrets/{name}", "/api/v1/secrets/{name}/rotate"], "the secrets routes are documented");
  const responseText = JSON.stringify(routes.map(([, methods]) => Object.values(methods).map((m) => m.responses)));
  t.notMatch(responseText, /value/, "no answer of theirs has a field named like a value");

  t.match(await call(api, "DELETE", "/api/v1/secrets/db-password", { token: admin }), { status: 200, body: { name: "db-password", deleted: true } });
  t.same((await call(api, "GET", "/api/v1/secrets", { token: operator })).body, { secrets: [] });
  const actions = (await api.store.audit.listAudit({ limit: 10 })).map((e) => e.action);
  t.same(
    actions.filter((a) => a.startsWith("secret.")),
    ["secret.delete", "secret.rotate", "secret.set"],
    "set, rotate and delete are audited",
  );
});
