// Dashboard pages for what was only in the API (issue 12, item 17): the audit
// log, newest first and paged; a node's certificate state (a revoked node is
// no longer just "failed"); sizes in facts shown as sizes. Hostile values in
// audit entries come back escaped.
import t from "tap";
import { agentCsr, startTestApi } from "../server/_helpers.js";
import { fetchPage } from "./_helpers.js";

t.test("the audit page lists who changed what, newest first, escaped, paged", async (t) => {
  const api = await startTestApi(t);
  await api.certs.submitCsr(agentCsr("web-01").csrPem, undefined);
  await api.certs.sign("web-01", "token:alice");
  await api.store.audit.appendAudit({ at: new Date(), actor: "token:<script>x</script>", action: "cert.revoke", target: "<b>web-02</b>", detail: { why: "<img src=x>" } });
  const res = await fetchPage(api, "/audit", { token: api.tokens.viewer });
  t.equal(res.status, 200, "a viewer reads it, as in the API");
  const rows = [...res.text.matchAll(/<tr data-id="(\d+)">/g)].map((m) => Number(m[1]));
  t.ok(rows.length >= 3, "the entries are listed");
  t.same(
    rows,
    [...rows].sort((a, b) => b - a),
    "newest first",
  );
  t.match(res.text, /token:alice<\/td><td>.*<code>cert\.sign<\/code><\/td><td class="wrap">web-01</s, "who, what and on what");
  t.notMatch(res.text, /<script>x<\/script>|<b>web-02<\/b>|<img src=x>/, "hostile values are escaped");
  t.match(res.text, /&lt;script&gt;x&lt;\/script&gt;/);
  t.match(res.text, /<a href="\/audit" class="here">Audit<\/a>/, "reached from the top bar");

  for (let i = 0; i < 120; i++) await api.store.audit.appendAudit({ at: new Date(), actor: "system", action: "test.fill", target: `n${i}`, detail: {} });
  const first = await fetchPage(api, "/audit", { token: api.tokens.viewer });
  const next = /href="\/audit\?before=(\d+)"/.exec(first.text);
  t.ok(next, "a full page links to older entries");
  const older = await fetchPage(api, `/audit?before=${next![1]}`, { token: api.tokens.viewer });
  const ids = [...older.text.matchAll(/<tr data-id="(\d+)">/g)].map((m) => Number(m[1]));
  t.ok(ids.length > 0 && ids.every((id) => id < Number(next![1])), "the next page holds only older entries");
  const junk = await fetchPage(api, "/audit?before=drop%20table", { token: api.tokens.viewer });
  t.equal(junk.status, 200, "a nonsense position is the first page, not an error");
});

t.test("the node page shows the certificate's state and sizes as sizes", async (t) => {
  const api = await startTestApi(t);
  await api.certs.submitCsr(agentCsr("db-01").csrPem, undefined);
  await api.certs.sign("db-01", "token:alice");
  await api.store.nodes.recordCheckin("db-01", { memory: { total_bytes: 8_589_934_592 } }, new Date());
  const signed = await fetchPage(api, "/nodes/db-01", { token: api.tokens.viewer });
  t.match(signed.text, /<dd id="certificate"><span class="badge s-signed">signed<\/span>/);
  t.match(signed.text, /title="8589934592">8\.0 GiB<\/a>/, "8 GiB of memory reads as 8.0 GiB, the exact number on hover");
  await api.certs.revoke("db-01", "token:alice");
  const revoked = await fetchPage(api, "/nodes/db-01", { token: api.tokens.viewer });
  t.match(revoked.text, /<dd id="certificate"><span class="badge s-revoked">revoked<\/span> <span class="muted">the server refuses this node/, "a revoked node says so");
  await api.store.nodes.recordCheckin("lab-01", {}, new Date());
  const none = await fetchPage(api, "/nodes/lab-01", { token: api.tokens.viewer });
  t.match(none.text, /<dd id="certificate"><span class="muted">none<\/span>/);
});
