// Whatever agents and operators put into certnames, facts, run ids, events,
// diffs, logs, token names, approval tickets and the site (a release's commit
// author and subject, its file paths and symlink targets) is shown as text,
// never run as markup.
import t from "tap";
import { escapeHtml, html } from "../../server/dashboard/html.js";
import { call, report, startTestApi } from "../server/_helpers.js";
import { EventResult, LogLevel, ReportStatus } from "../../proto/gen/ancla/v1/agent_pb.js";
import { fetchPage, startRolloutApi } from "./_helpers.js";

const XSS = `<script>alert("x")</script>`;
const ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;";

t.test("the html template escapes every interpolated value, nested ones too", async (t) => {
  t.equal(escapeHtml(`<a href="x" title='y'>&</a>`), "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
  t.equal(html`<p title="${XSS}">${XSS}</p>`.value, `<p title="${ESCAPED}">${ESCAPED}</p>`);
  t.equal(html`<ul>${["<b>", html`<li>${"&"}</li>`]}</ul>`.value, "<ul>&lt;b&gt;<li>&amp;</li></ul>", "arrays and nested templates");
  t.equal(html`${undefined}${null}${false}${0}`.value, "0", "absent values render as nothing, zero as 0");
});

t.test("a hostile certname, fact, run id, event, diff and log line render escaped", async (t) => {
  const api = await startTestApi(t);
  const certname = `evil${XSS}`;
  const runId = `run-${XSS}`;
  await api.store.nodes.recordCheckin(certname, { os: { family: XSS }, [XSS]: "key" }, new Date());
  await api.store.reports.saveReport(
    report({
      runId,
      certname,
      status: ReportStatus.CHANGED,
      events: [
        {
          resource: `file:/tmp/${XSS}`,
          property: "content",
          desired: JSON.stringify(XSS),
          actual: JSON.stringify("<img src=x onerror=alert(1)>"),
          result: EventResult.CHANGED,
          corrective: true,
          diff: `--- a\n+++ b\n@@ -1 +1 @@\n-${XSS}\n+<img src=x onerror=alert(1)>\n`,
        },
      ],
      logs: [{ time: new Date().toISOString(), level: LogLevel.INFO, message: XSS }],
      timings: [{ resource: `file:/tmp/${XSS}`, durationMs: 3 }],
      counts: { total: 1, changed: 1, corrective: 1 },
    }),
    new Date(),
  );
  const pages = ["/", `/?q=${encodeURIComponent(XSS)}`, `/?fact=${encodeURIComponent(`os.family=${XSS}`)}`, `/nodes/${encodeURIComponent(certname)}`, `/reports/${encodeURIComponent(runId)}`];
  for (const path of pages) {
    const res = await fetchPage(api, path, { token: api.tokens.viewer });
    t.equal(res.status, 200, `${path} answers`);
    t.notMatch(res.text, /<script>alert|<img src=x/, `${path} carries no injected markup`);
    t.match(res.text, "&lt;script&gt;alert", `${path} shows the text escaped`);
  }
  const node = await fetchPage(api, `/nodes/${encodeURIComponent(certname)}`, { token: api.tokens.viewer });
  t.match(node.text, `href="/reports/${encodeURIComponent(runId)}?node=`, "links carry the run id URL-encoded, and its node");
  const unknown = await fetchPage(api, `/nodes/${encodeURIComponent(XSS)}`, { token: api.tokens.viewer });
  t.equal(unknown.status, 404);
  t.notMatch(unknown.text, /<script>alert/, "the not-found message is escaped too");
  const badStatus = await fetchPage(api, `/?status=${encodeURIComponent(XSS)}`, { token: api.tokens.viewer });
  t.equal(badStatus.status, 400);
  t.notMatch(badStatus.text, /<script>alert/, "an invalid filter is echoed escaped");
});

t.test("a release's hostile version, author, subject, file paths and link targets render escaped", async (t) => {
  const api = await startTestApi(t);
  // The site's git history and file names are whoever committed to it.
  const version = `sha256:${XSS}`;
  await api.store.releases.saveRelease({
    version,
    commit: "c".repeat(40),
    author: `Mallory ${XSS} <m@example.com>`,
    subject: `fix ${XSS}`,
    firstSeenAt: new Date(),
    files: 2,
    bytes: 10,
    manifest: [
      { path: `modules/${XSS}.yaml`, sha256: "a".repeat(64), size: 10, mode: 0o644 },
      { path: "current", sha256: "b".repeat(64), size: 0, mode: 0o777, link: `<img src=x onerror=alert(1)>` },
    ],
  });
  const detailPath = `/releases/${encodeURIComponent(version)}`;
  for (const path of ["/releases", detailPath]) {
    const res = await fetchPage(api, path, { token: api.tokens.viewer });
    t.equal(res.status, 200, `${path} answers`);
    t.notMatch(res.text, /<script>alert|<img src=x/, `${path} carries no injected markup`);
    t.match(res.text, `fix ${ESCAPED}`, `${path} shows the subject escaped`);
    t.match(res.text, `Mallory ${ESCAPED} &lt;m@example.com&gt;`, `${path} shows the author escaped`);
  }
  const list = (await fetchPage(api, "/releases", { token: api.tokens.viewer })).text;
  t.match(list, `href="${detailPath}"`, "the link carries the version URL-encoded");
  t.match(list, `data-version="sha256:${ESCAPED}"`, "attributes are escaped too");
  const detail = (await fetchPage(api, detailPath, { token: api.tokens.viewer })).text;
  t.match(detail, `<code>modules/${ESCAPED}.yaml</code>`, "a file path, escaped");
  t.match(detail, "<code>current -&gt; &lt;img src=x onerror=alert(1)&gt;</code>", "a link target, escaped");
  const missing = await fetchPage(api, `/releases/${encodeURIComponent(`sha256:${XSS}x`)}`, { token: api.tokens.viewer });
  t.equal(missing.status, 404);
  t.notMatch(missing.text, /<script>alert/, "the not-found message is escaped too");
});

t.test("a rollout's hostile certnames, starter, ticket, reason and history render escaped", async (t) => {
  const canary = `evil${XSS}`;
  const failing = `bad${XSS}`;
  const api = await startRolloutApi(t, [
    { certname: canary, environment: "production", canary: true },
    { certname: failing, environment: "production" },
  ]);
  // Token names are the operators' own text, and become the rollout's "started by".
  const starter = (await api.certs.createApiToken("operator", `ops ${XSS}`)).token;
  const started = await call(api, "POST", "/api/v1/rollouts", { token: starter, body: JSON.stringify({ environment: "production" }) });
  t.equal(started.status, 201, started.status === 201 ? "the rollout starts" : JSON.stringify(started.body));
  const { id } = started.body as { id: string };
  await api.ran(canary, ReportStatus.CHANGED);
  await api.pass(1);
  await api.controller.approve(id, `token:x (${XSS})`, XSS);
  await api.pass(1);
  await api.ran(failing, ReportStatus.FAILED);
  await api.pass(1);
  const rollout = await api.controller.view(id);
  t.equal(rollout.rollout.state, "rolled-back", "the hostile node's failed run rolled it back: the reason names it");

  const pages = ["/rollouts", `/rollouts?environment=${encodeURIComponent(XSS)}`, `/rollouts/${id}`, `/nodes/${encodeURIComponent(canary)}`];
  for (const path of pages) {
    const res = await fetchPage(api, path, { token: api.tokens.operator });
    t.equal(res.status, 200, `${path} answers`);
    t.notMatch(res.text, /<script>alert/, `${path} carries no injected markup`);
    t.match(res.text, "&lt;script&gt;alert", `${path} shows the text escaped`);
  }
  const detail = (await fetchPage(api, `/rollouts/${id}`, { token: api.tokens.operator })).text;
  t.match(detail, `href="/nodes/${encodeURIComponent(failing)}"`, "the reason's node links carry the certname URL-encoded");
  t.match(detail, `(<code>${ESCAPED}</code>)`, "the ticket, escaped");
});
