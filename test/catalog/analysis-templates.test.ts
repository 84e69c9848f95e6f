// ancla.yaml `analysis:` templates: how a rollout's canary is compared with
// its control. A good template reads into its checks with their defaults; a
// wrong one is a site problem at its file:line:column (a malformed PromQL
// query and a condition naming a variable it cannot see among them), so no
// rollout starts with an analysis that could not run.
import t from "tap";
import { CelCache } from "../../catalog/expr/cel.js";
import { fillPlaceholders } from "../../catalog/site/analysis.js";
import { strategyOf } from "../../catalog/site/delivery.js";
import { loadSettings } from "../../catalog/site/settings.js";
import { compileFiles, problemLines } from "./_helpers.js";

const base = { "module.yaml": "resources:\n  - type: file\n    title: /srv/base\n    ensure: directory\n" };
const nodes = 'nodes:\n  - match: "*"\n    modules: [base]\n';

const good = `environments:
  production: { strategy: careful }
strategies:
  careful:
    steps: [{ nodes: 1 }, { wait: 5m }, { percent: 100 }]
    gates: { analysis: web-slo }
analysis:
  web-slo:
    window: 1m
    min_samples: 30
    probe: web-http
    checks:
      - error_rate:     { max: 0.01, max_delta_to_control: 0.005 }
      - p95_latency_ms: { max: 300, max_ratio_to_control: 1.5 }
      - saturation:     { cpu: { max: 0.9 }, load: { max: 2 } }
      - latency_mann_whitney: { probe: api-http }
      - prometheus:
          address: http://127.0.0.1:9090/
          query: 'sum(rate(app_errors_total{instance=~"{{nodes}}", release="{{ release }}"}[1m]))'
          condition: "result < 0.5"
  quiet:
    failure_limit: 1
    inconclusive_limit: 3
    error_limit: 0
    interval: 15s
    checks: [{ error_rate: { max: 0.1 } }]
`;

t.test("a template reads into its checks, with defaults where unset", async (t) => {
  const dir = t.testdir({ "ancla.yaml": good, "nodes.yaml": nodes, modules: { base } });
  const { problems, delivery } = await loadSettings(dir, new CelCache());
  t.same(problems, []);
  t.equal(strategyOf(delivery, "production")?.gates.analysis, delivery.analysis.get("web-slo"), "the strategy carries its template, so a rollout keeps it");
  const slo = delivery.analysis.get("web-slo")!;
  t.match(slo, { windowSeconds: 60, intervalSeconds: 60, minSamples: 30, failureLimit: 0, inconclusiveLimit: 0, errorLimit: 2, probe: "web-http" });
  t.same(
    slo.checks.map(({ where: _, ...c }) => c),
    [
      { kind: "error_rate", name: "error_rate", max: 0.01, maxDeltaToControl: 0.005 },
      { kind: "p95_latency_ms", name: "p95_latency_ms", max: 300, maxRatioToControl: 1.5 },
      { kind: "saturation", name: "saturation", max: { cpu: 0.9, load: 2 } },
      { kind: "latency_mann_whitney", name: "latency_mann_whitney", alpha: 0.05, probe: "api-http" },
      {
        kind: "prometheus",
        name: "prometheus",
        address: "http://127.0.0.1:9090",
        query: 'sum(rate(app_errors_total{instance=~"{{nodes}}", release="{{ release }}"}[1m]))',
        condition: "result < 0.5",
      },
    ],
  );
  t.match(delivery.analysis.get("quiet"), { windowSeconds: 300, intervalSeconds: 15, minSamples: 30, failureLimit: 1, inconclusiveLimit: 3, errorLimit: 0 });
  t.equal(delivery.analysis.get("quiet")?.probe, undefined, "no probe: every probe the canary reports");
});

t.test("placeholders are filled in, spaces inside the braces allowed", async (t) => {
  t.equal(fillPlaceholders('x{i=~"{{nodes}}",r="{{ release }}"}', { nodes: "a|b", control: "c", release: "v1", environment: "e" }), 'x{i=~"a|b",r="v1"}');
});

t.test("each mistake in a template is a problem where it is written", async (t) => {
  const bad = `environments:
  production: { strategy: careful }
strategies:
  careful:
    steps: [{ nodes: 1 }]
    gates: { analysis: web }
analysis:
  Web:
    window: 5s
    min_samples: 0
    colour: red
    checks:
      - error_rate: { max: 2 }
      - error_rate: {}
      - p95_latency_ms: { max_ratio_to_control: 0.5 }
      - { error_rate: { max: 0.1 }, saturation: { cpu: { max: 1 } } }
      - saturation: { cpu: { max: 1.5 }, memory: {} }
      - latency: { max: 3 }
      - latency_mann_whitney: { alpha: 0.9 }
      - prometheus: { address: "localhost:9090", query: "sum(rate(x[1m]", condition: "result <" }
      - prometheus: { address: "http://p:9090", query: 'up{i="{{hosts}}"}', condition: "reslt < 1" }
      - prometheus: { address: "http://p:9090", query: "up", condition: "string(result)" }
  empty:
    checks: []
  none: {}
`;
  const result = await compileFiles(t, { "ancla.yaml": bad, "nodes.yaml": nodes, modules: { base } });
  const lines = problemLines(result).map((l) => l.replace("for node web-01: ", ""));
  t.same(lines, [
    // The strategy is not kept (its gate is wrong), so the environment's reference to it is reported too, as for any wrong strategy.
    'ancla.yaml:2:27: environment production names strategy "careful", which `strategies` does not define',
    'ancla.yaml:6:24: gate `analysis` names "web", which `analysis` does not define (defined: Web, empty, none)',
    'ancla.yaml:8:3: analysis name "Web" must be lowercase letters, digits, - and _ (at most 63)',
    "ancla.yaml:9:13: `window` must be at least 60s",
    "ancla.yaml:10:18: `min_samples` must be a whole number 1 or more, not 0",
    "ancla.yaml:11:5: unknown key `colour` (expected one of: window, interval, min_samples, failure_limit, inconclusive_limit, error_limit, probe, checks)",
    "ancla.yaml:13:28: `max` must be a number from 0 to 1, not 2",
    "ancla.yaml:14:9: `error_rate` needs `max`, `max_delta_to_control` or both",
    "ancla.yaml:15:49: `max_ratio_to_control` must be a number 1 or more, not 0.5",
    "ancla.yaml:16:9: a check has exactly one of error_rate, p95_latency_ms, saturation, latency_mann_whitney, prometheus; this one has 2",
    "ancla.yaml:17:35: `saturation.cpu.max` must be a number from 0 to 1, not 1.5",
    "ancla.yaml:17:42: `saturation.memory` needs `max` (e.g. { max: 0.9 })",
    "ancla.yaml:18:9: unknown key `latency` (expected one of: error_rate, p95_latency_ms, saturation, latency_mann_whitney, prometheus)",
    "ancla.yaml:19:40: `alpha` must be a number from 0.0001 to 0.5, not 0.9",
    'ancla.yaml:20:32: `prometheus.address` must be the server\'s base URL, like "http://127.0.0.1:9090", not "localhost:9090"',
    'ancla.yaml:20:57: `prometheus.query` is not valid PromQL: it stops making sense at character 15 ("rate(x[1m]")',
    "ancla.yaml:20:86: `prometheus.condition` is not a CEL expression: invalid CEL: found < but expecting end of input",
    "ancla.yaml:21:56: `prometheus.query` names {{hosts}}; the placeholders are {{nodes}}, {{control}}, {{release}}, {{environment}}",
    'ancla.yaml:21:88: `prometheus.condition` cannot be evaluated: unresolved attribute (it sees one variable, `result`, the query\'s value: e.g. "result < 0.01")',
    'ancla.yaml:22:73: `prometheus.condition` must give true or false, e.g. "result < 0.01"',
    "ancla.yaml:24:13: analysis empty has no checks",
    "ancla.yaml:25:3: analysis none needs `checks` (e.g. - error_rate: { max: 0.01 })",
  ]);
});
