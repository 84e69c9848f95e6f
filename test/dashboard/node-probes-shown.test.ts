// A node's probes, as `GET /nodes/NAME/probes` and the node page show them:
// the attempts, errors by kind and latency quantiles its agent reported over
// ReportHealth, merged across windows; an unknown node is a 404; the page
// lists each probe with its numbers and charts its P95 per minute.
import t from "tap";
import { Histogram } from "../../catalog/health/histogram.js";
import type { HealthBatch } from "../../server/store/health.js";
import { call, startTestApi } from "../server/_helpers.js";
import { fetchPage } from "./_helpers.js";

/** `n` answered attempts at `ms` each, plus `timeouts`, ending `agoMs` before now. */
function window(probe: string, n: number, ms: number, timeouts: number, agoMs: number) {
  const latency = new Histogram();
  for (let i = 0; i < n; i++) latency.record(ms);
  return {
    probe,
    at: new Date(Date.now() - agoMs),
    durationMs: 10_000,
    siteVersion: "v1",
    count: n + timeouts,
    errors: { timeout: timeouts, refused: 0, status: 0, body: 0 },
    latency: latency.buckets(),
  };
}

t.test("a node's probes over the API and on its page", async (t) => {
  const api = await startTestApi(t);
  const viewer = { token: api.tokens.viewer };
  await api.store.nodes.recordCheckin("web-01", {}, new Date());
  const batch: HealthBatch = {
    batchId: "b-1",
    probes: [window("web-http", 90, 40, 10, 120_000), window("web-http", 100, 40, 0, 60_000), window("db-tcp", 50, 2, 0, 60_000)],
    saturation: [],
  };
  t.equal(await api.store.health.saveHealth("web-01", batch, new Date()), true);

  const res = await call(api, "GET", "/api/v1/nodes/web-01/probes?minutes=30", viewer);
  t.equal(res.status, 200);
  const body = res.body as { probes: { probe: string; count: number; errors: Record<string, number>; error_rate: number; p95_ms: number; target: string | null; series: unknown[] }[] };
  t.same(
    body.probes.map((p) => p.probe),
    ["db-tcp", "web-http"],
    "by name",
  );
  const web = body.probes[1];
  t.equal(web.count, 200, "two windows merged");
  t.same(web.errors, { timeout: 10, refused: 0, status: 0, body: 0 });
  t.equal(web.error_rate, 0.05);
  t.ok(web.p95_ms >= 36 && web.p95_ms <= 44, `P95 ${web.p95_ms} ms is in the 40 ms bucket`);
  t.equal(web.target, null, "no catalog declares it (none was compiled)");
  t.ok(web.series.length >= 1, "per-minute points for the chart");

  t.equal((await call(api, "GET", "/api/v1/nodes/ghost-01/probes", viewer)).status, 404, "an unknown node");
  t.equal((await call(api, "GET", "/api/v1/nodes/web-01/probes?minutes=0", viewer)).status, 400, "a window of no minutes");

  const page = await fetchPage(api, "/nodes/web-01", { token: api.tokens.viewer });
  t.equal(page.status, 200);
  t.match(page.text, /<h2 id="probes">Probes<\/h2>/);
  t.match(
    page.text,
    /<td><code>web-http<\/code><\/td><td class="wrap"><span class="muted">no longer declared<\/span><\/td>\s*<td class="num">200<\/td><td class="num">timeout 10<\/td><td class="num">5 %<\/td>/,
  );
  t.match(page.text, /id="probe-chart"/, "a chart of P95 per minute");
  await api.store.nodes.recordCheckin("lab-01", {}, new Date());
  const none = await fetchPage(api, "/nodes/lab-01", { token: api.tokens.viewer });
  t.match(none.text, /This node's catalog declares no probes/);
});
