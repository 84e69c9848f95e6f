// The fleet page filters, sorts and pages on the server (status, certname,
// fact), and links keep the filters; the report page pages its events and
// filters them to changes only on the server.
import t from "tap";
import { encodeEnvelope } from "../../catalog/envelope.js";
import { canonicalJson } from "../../catalog/canonical.js";
import { CATALOG_PAYLOAD_TYPE, type Catalog } from "../../catalog/model.js";
import { signEnvelope } from "../../pki/dsse.js";
import { report, startTestApi, type TestApi } from "../server/_helpers.js";
import { EventResult, LogLevel, ReportStatus } from "../../proto/gen/ancla/v1/agent_pb.js";
import { fetchPage } from "./_helpers.js";

/** The certnames of the node list, in page order. */
function listed(page: string): string[] {
  return [...page.matchAll(/<tr data-certname="([^"]+)">/g)].map((m) => m[1]);
}

async function seedFleet(api: TestApi): Promise<void> {
  const now = Date.now();
  for (let i = 1; i <= 120; i++) {
    const name = `node-${String(i).padStart(3, "0")}`;
    const family = i % 3 === 0 ? "redhat" : "debian";
    await api.store.nodes.recordCheckin(name, { os: { family }, rack: `r${i % 4}` }, new Date(now - 1000));
    const drifted = i % 10 === 0;
    await api.store.reports.saveReport(
      report({
        runId: `run-${name}`,
        certname: name,
        status: drifted ? ReportStatus.CHANGED : ReportStatus.UNCHANGED,
        startedAt: new Date(now - i * 1000).toISOString(),
        events: drifted ? [{ resource: "file:/etc/motd", property: "content", desired: '"a"', actual: '"b"', result: EventResult.CHANGED, corrective: true }] : [],
        counts: { total: 5, changed: drifted ? 1 : 0, corrective: drifted ? 1 : 0 },
      }),
      new Date(now - i * 1000),
    );
  }
}

t.test("the node list is filtered, sorted and paged on the server", async (t) => {
  const api = await startTestApi(t);
  await seedFleet(api);
  const get = async (path: string): Promise<string> => {
    const res = await fetchPage(api, path, { token: api.tokens.viewer });
    t.equal(res.status, 200, path);
    return res.text;
  };

  const first = await get("/");
  t.same(listed(first).slice(0, 2), ["node-001", "node-002"], "by certname");
  t.equal(listed(first).length, 50, "50 nodes a page");
  t.match(first, /Nodes 1–50 of 120/);
  t.match(first, /data-status="drifted"><span class="n">12</, "the drifted tile counts 12");
  t.match(first, /href="\/\?page=2#nodes">next/, "a next link");
  const third = await get("/?page=3");
  t.same(
    listed(third),
    Array.from({ length: 20 }, (_, i) => `node-${101 + i}`),
    "the last page has the rest",
  );
  t.same(listed(await get("/?page=99999999999999999999")), [], "a page past any list is empty, not a server error");

  const drifted = await get("/?status=drifted");
  t.same(listed(drifted), ["node-010", "node-020", "node-030", "node-040", "node-050", "node-060", "node-070", "node-080", "node-090", "node-100", "node-110", "node-120"]);
  t.match(drifted, /<option value="drifted" selected>/, "the form shows the filter in force");

  const search = await get("/?q=NODE-11");
  t.same(
    listed(search),
    Array.from({ length: 10 }, (_, i) => `node-${110 + i}`),
    "certname search, case-insensitive",
  );

  const fact = await get(`/?fact=${encodeURIComponent("os.family=redhat")}&status=drifted`);
  t.same(listed(fact), ["node-030", "node-060", "node-090", "node-120"], "fact and status together");
  t.match(fact, /href="\/\?status=drifted&amp;fact=os.family%3Dredhat&amp;sort=status#nodes"/, "sort links keep the filters");

  const desc = await get("/?sort=certname&order=desc");
  t.equal(listed(desc)[0], "node-120", "descending");
  const byRun = await get("/?sort=last_run&order=desc");
  t.equal(listed(byRun)[0], "node-001", "most recent run first");

  const none = await get("/?q=nothing-like-this");
  t.match(none, /No node matches these filters/);
  const bad = await fetchPage(api, "/?fact=no-equals-sign", { token: api.tokens.viewer });
  t.equal(bad.status, 400);
  t.match(bad.text, /path=value/);
});

t.test("the report page pages events and filters changes on the server", async (t) => {
  const api = await startTestApi(t);
  await api.store.nodes.recordCheckin("web-01", {}, new Date());
  const events = Array.from({ length: 150 }, (_, i) => ({
    resource: `file:/srv/f${String(i).padStart(3, "0")}`,
    property: "content",
    desired: '"new"',
    actual: '"old"',
    result: i % 3 === 0 ? EventResult.CHANGED : EventResult.SKIPPED,
    message: i % 3 === 0 ? "" : "skipped because a dependency failed",
  }));
  await api.store.reports.saveReport(
    report({ runId: "run-big", certname: "web-01", status: ReportStatus.FAILED, events, logs: [{ time: "2026-01-01T10:00:00.000Z", level: LogLevel.ERROR, code: "ANCLA_E_X", message: "boom" }] }),
    new Date(),
  );

  const all = await fetchPage(api, "/reports/run-big", { token: api.tokens.viewer });
  t.equal(all.status, 200);
  t.match(all.text, /Events \(150\)/);
  t.equal([...all.text.matchAll(/<tr class="event">/g)].length, 100, "100 events a page");
  t.match(all.text, /Page 1 of 2/);
  t.match(all.text, /ANCLA_E_X<\/code> boom/, "log lines with their code");

  const second = await fetchPage(api, "/reports/run-big?page=2", { token: api.tokens.viewer });
  t.equal([...second.text.matchAll(/<tr class="event">/g)].length, 50, "the rest on page 2");

  const changes = await fetchPage(api, "/reports/run-big?changes=1", { token: api.tokens.viewer });
  t.match(changes.text, /Events \(50\)/, "only the 50 changed events");
  t.notMatch(changes.text, /skipped because/, "no skipped event");
  t.match(changes.text, /Showing changes only/);
  t.notMatch(changes.text, /Page 1 of/, "one page");

  const missing = await fetchPage(api, "/reports/no-such-run", { token: api.tokens.viewer });
  t.equal(missing.status, 404);
  t.match(missing.text, /no report with run id &quot;no-such-run&quot;/);
});

t.test("a node whose site does not compile shows each problem with file:line:column", async (t) => {
  const api = await startTestApi(t);
  await api.store.nodes.recordCheckin("db-01", { os: { family: "debian" } }, new Date());
  await api.store.catalogs.recordCompileFailure("db-01", "abc123", [{ file: "modules/db/module.yaml", line: 12, column: 7, message: 'unknown parameter "size"' }], new Date());
  const fleet = await fetchPage(api, "/?status=compile-failed", { token: api.tokens.viewer });
  t.same(listed(fleet.text), ["db-01"], "listed as compile-failed");
  const node = await fetchPage(api, "/nodes/db-01", { token: api.tokens.viewer });
  t.equal(node.status, 200);
  t.match(node.text, /<span class="badge s-compile-failed">compile-failed<\/span>/);
  t.match(node.text, /<li><code>modules\/db\/module\.yaml:12:7: unknown parameter &quot;size&quot;<\/code><\/li>/);
  t.match(node.text, /No report yet/);
  t.match(node.text, /href="\/\?fact=os.family%3Ddebian"/, "facts link to the fleet filter");
});

t.test("certificates are filtered by certname and the signed list is paged", async (t) => {
  const api = await startTestApi(t);
  const at = new Date();
  for (let i = 1; i <= 150; i++) {
    const certname = `host-${String(i).padStart(3, "0")}`;
    const request = { certname, csrPem: "(not read by the listing)", publicKeySha256: "0".repeat(64), requestedAt: at };
    await api.store.certificates.insertSignedCertificate(request, { certPem: "(not read)", serialHex: i.toString(16).padStart(2, "0"), notAfter: new Date(at.getTime() + 86_400_000), signedAt: at });
  }
  const rows = (page: string): number => [...page.matchAll(/<tr data-certname="host-/g)].length;
  const first = await fetchPage(api, "/certificates", { token: api.tokens.viewer });
  t.match(first.text, /Signed \(150\)/);
  t.equal(rows(first.text), 100, "100 a page");
  t.match(first.text, /href="\/certificates\?page=2">next/);
  const second = await fetchPage(api, "/certificates?page=2", { token: api.tokens.viewer });
  t.equal(rows(second.text), 50);
  const filtered = await fetchPage(api, "/certificates?q=HOST-14", { token: api.tokens.viewer });
  t.match(filtered.text, /Signed \(10\)/, "host-140 to host-149");
  t.equal(rows(filtered.text), 10);
});

t.test("the node page lists the current catalog's resources, a sensitive one's values hidden", async (t) => {
  const api = await startTestApi(t);
  await api.store.nodes.recordCheckin("web-01", {}, new Date());
  const catalog: Catalog = {
    apiVersion: "ancla/v1",
    certname: "web-01",
    siteVersion: "v7",
    serial: 3,
    digest: "e".repeat(64),
    compiledAt: new Date().toISOString(),
    expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    resources: [
      { type: "package", title: "nginx", properties: { ensure: "installed" } },
      { type: "file", title: "/etc/app/secret.conf", properties: { content: "password=hunter2", mode: "0600" }, sensitive: true },
    ],
    edges: [],
  };
  const envelope = signEnvelope(CATALOG_PAYLOAD_TYPE, Buffer.from(canonicalJson(catalog)), api.ca);
  await api.store.catalogs.saveCatalog({ certname: "web-01", serial: 3, digest: catalog.digest, siteVersion: "v7", inputsKey: "k", envelope: encodeEnvelope(envelope), compiledAt: new Date() });
  const node = await fetchPage(api, "/nodes/web-01", { token: api.tokens.viewer });
  t.equal(node.status, 200);
  t.match(node.text, /Catalog: 2 resources/);
  t.match(node.text, /<code>package:nginx<\/code>/);
  t.match(node.text, /<span class="muted">ensure<\/span> <code>installed<\/code>/);
  t.match(node.text, /<code>file:\/etc\/app\/secret\.conf<\/code>/);
  t.notMatch(node.text, /hunter2/, "a sensitive resource's values are not shown");
  t.match(node.text, /<span class="muted">content<\/span> <code>\[redacted\]<\/code>/);
});
