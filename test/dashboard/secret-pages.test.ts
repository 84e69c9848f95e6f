// The secrets page: operators and admins see each secret's name, scope,
// version and who set it, never its value; viewers get the 403 page and no
// link to it, as GET /api/v1/secrets refuses them.
import t from "tap";
import { call, startTestApi } from "../server/_helpers.js";
import { fetchPage } from "./_helpers.js";

const VALUE = "dashboard-must-never-show-this-9931";

t.test("the secrets page by role, with no value on it", async (t) => {
  const api = await startTestApi(t);
  const body = JSON.stringify({ value_base64: Buffer.from(VALUE).toString("base64"), environment: "production", nodes: "db-*", description: "orders <database>" });
  t.equal((await call(api, "PUT", "/api/v1/secrets/db-password", { token: api.tokens.admin, body })).status, 200);

  const viewer = await fetchPage(api, "/secrets", { token: api.tokens.viewer });
  t.equal(viewer.status, 403, "a viewer may not list secrets");
  t.match(viewer.text, /needs the operator role/);
  t.notMatch(viewer.text, /db-password/, "and sees no name");
  t.notMatch((await fetchPage(api, "/", { token: api.tokens.viewer })).text, /href="\/secrets"/, "nor a link to the page");

  for (const role of ["operator", "admin"] as const) {
    const res = await fetchPage(api, "/secrets", { token: api.tokens[role] });
    t.equal(res.status, 200, `${role}: the page`);
    const row = /<tr data-secret="db-password">([\s\S]*?)<\/tr>/.exec(res.text)?.[1] ?? "";
    t.match(
      row,
      /<td class="num">1<\/td><td>production<\/td><td><code>db-\*<\/code><\/td><td>orders &lt;database&gt;<\/td><td>token:\S+ \(test admin\)<\/td>/,
      `${role}: name, version, scope, description (escaped), who`,
    );
    t.match(res.text, /<a href="\/secrets" class="here">Secrets<\/a>/, `${role}: the top bar links here`);
    for (const form of [VALUE, Buffer.from(VALUE).toString("base64")]) t.notOk(res.text.includes(form), `${role}: no value on the page`);
  }
});

t.test("no secrets: the page says so", async (t) => {
  const api = await startTestApi(t);
  const res = await fetchPage(api, "/secrets", { token: api.tokens.operator });
  t.equal(res.status, 200);
  t.match(res.text, /<p class="muted" id="no-secrets">No secrets are kept\.<\/p>/);
});
