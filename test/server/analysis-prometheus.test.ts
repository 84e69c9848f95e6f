// `prometheus:` checks against a real Prometheus scraping a real app on
// loopback: a query whose value meets the condition passes, one that does
// not fails, an empty answer is inconclusive (never a pass), and a
// Prometheus that refuses the query or cannot be reached is an error (never
// a fail), each with the query as sent in the result.
import { createServer } from "node:http";
import t from "tap";
import type { AnalysisCheck } from "../../catalog/site/analysis.js";
import { prometheusCheck } from "../../server/analysis/prometheus.js";
import { freePort } from "../helpers/processes.js";
import { startPrometheus } from "../helpers/prometheus.js";

const where = { file: "ancla.yaml", line: 1, column: 1 };

t.test("a prometheus check reads the cohort's value and judges it", async (t) => {
  // The app exposes an error ratio per node it serves, as each host's exporter would.
  const app = createServer((_req, res) => {
    res.setHeader("content-type", "text/plain; version=0.0.4");
    res.end('app_error_ratio{node="web-01.example.com",release="v2"} 0.002\napp_error_ratio{node="web-02.example.com",release="v2"} 0.2\n');
  });
  const appPort = await freePort();
  await new Promise<void>((resolve) => app.listen(appPort, "127.0.0.1", resolve));
  t.teardown(() => app.close());
  const prom = await startPrometheus(t, [`127.0.0.1:${appPort}`]);
  await prom.scraped("app_error_ratio", 2);

  const check = (query: string, condition = "result < 0.01"): AnalysisCheck => ({ kind: "prometheus", name: "prometheus", where, address: prom.address, query, condition });
  const ctx = (canary: string[]) => ({ canary, control: ["web-03.example.com"], release: "v2", environment: "production" });
  const query = 'max(app_error_ratio{node=~"{{nodes}}", release="{{release}}"})';

  const healthy = await prometheusCheck(check(query) as never, ctx(["web-01.example.com"]));
  t.match(healthy, { outcome: "pass", canary: 0.002, threshold: "result < 0.01" });
  t.equal(healthy.query, 'max(app_error_ratio{node=~"web-01\\\\.example\\\\.com", release="v2"})', "names are escaped for the regex and the string");

  const bad = await prometheusCheck(check(query) as never, ctx(["web-02.example.com"]));
  t.match(bad, { outcome: "fail", canary: 0.2, message: "result < 0.01 is false for result = 0.2" });

  const both = await prometheusCheck(check('app_error_ratio{node=~"{{nodes}}"}') as never, ctx(["web-01.example.com", "web-02.example.com"]));
  t.match(both, { outcome: "error", message: /returned 2 series; aggregate it/ });

  const nothing = await prometheusCheck(check('max(app_error_ratio{node=~"{{nodes}}"})') as never, ctx(["db-01.example.com"]));
  t.match(nothing, { outcome: "inconclusive", message: /no series/ });

  const refused = await prometheusCheck(check("rate(app_error_ratio)") as never, ctx(["web-01.example.com"]));
  t.match(refused, { outcome: "error", message: /^Prometheus refused the query: bad_data: / });

  const gone = await prometheusCheck({ ...check(query), address: `http://127.0.0.1:${await freePort()}` } as never, ctx(["web-01.example.com"]));
  t.match(gone, { outcome: "error", message: /cannot be reached \(ECONNREFUSED\)/ });
});
