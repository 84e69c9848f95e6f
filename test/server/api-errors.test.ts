import t from "tap";
import { call, startTestApi } from "./_helpers.js";

t.test("API errors are JSON with a status that fits", async (t) => {
  const api = await startTestApi(t);
  const admin = { token: api.tokens.admin };

  t.test("a body that is not JSON: 400, not 500", async (t) => {
    const res = await call(api, "POST", "/api/v1/tokens", { ...admin, body: '{"ttl_seconds": 60,' });
    t.equal(res.status, 400);
    t.match(res.body, { error: { code: "ANCLA_E_INVALID_ARGUMENT", message: /not valid JSON/ } });
  });

  t.test("unknown or mistyped fields: 400 naming the field", async (t) => {
    const typo = await call(api, "POST", "/api/v1/tokens", { ...admin, body: '{"ttl": 60}' });
    t.equal(typo.status, 400);
    t.match(typo.body, { error: { code: "ANCLA_E_INVALID_ARGUMENT", message: /unknown field "ttl"/ } });
    const query = await call(api, "GET", "/api/v1/nodes?statsu=failed", admin);
    t.equal(query.status, 400);
    t.match(query.body, { error: { code: "ANCLA_E_INVALID_ARGUMENT", message: /unknown parameter "statsu"/ } }, "an unknown query parameter is named");
    const wrongType = await call(api, "POST", "/api/v1/tokens", { ...admin, body: '{"ttl_seconds": "soon"}' });
    t.equal(wrongType.status, 400);
    t.match(wrongType.body, { error: { message: /ttl_seconds/ } });
    const tooLong = await call(api, "POST", "/api/v1/tokens", { ...admin, body: '{"ttl_seconds": 99999999999}' });
    t.equal(tooLong.status, 400);
  });

  t.test("another media type: 415", async (t) => {
    const res = await call(api, "POST", "/api/v1/tokens", { ...admin, body: "ttl=60", contentType: "text/csv" });
    t.equal(res.status, 415);
    t.match(res.body, { error: { code: "ANCLA_E_INVALID_ARGUMENT" } });
  });

  t.test("unknown things: 404", async (t) => {
    t.match(await call(api, "GET", "/api/v1/nope", admin), { status: 404, body: { error: { code: "ANCLA_E_NOT_FOUND" } } });
    t.match(await call(api, "POST", "/api/v1/certs/nobody/sign", admin), { status: 404, body: { error: { code: "ANCLA_E_CERT_UNKNOWN" } } });
    t.match(await call(api, "GET", "/api/v1/nodes/nobody", admin), { status: 404, body: { error: { code: "ANCLA_E_NOT_FOUND" } } });
    t.match(await call(api, "GET", "/api/v1/nodes/nobody/report", admin), { status: 404, body: { error: { message: /no report from "nobody"/ } } });
  });

  t.test("an unknown status filter: 400 listing the valid ones", async (t) => {
    const res = await call(api, "GET", "/api/v1/nodes?status=sad", admin);
    t.equal(res.status, 400);
    t.match(res.body, { error: { code: "ANCLA_E_INVALID_ARGUMENT", message: /querystring\/status must be one of compile-failed, .*drifted/ } });
  });

  t.test("an unexpected failure: 500 without internals", async (t) => {
    await api.store.close();
    const res = await call(api, "GET", "/api/v1/certs", admin);
    t.equal(res.status, 500);
    t.same(res.body, { error: { code: "ANCLA_E_INTERNAL", message: "the server failed to handle the request; see its log" } });
  });
});
