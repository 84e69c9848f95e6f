// ancla.yaml `environments:` and `strategies:`: how a release spreads. A
// well-formed strategy reads into steps, gates and on_failure with their
// defaults; every mistake in one is a site problem at its file:line:column,
// reported by every node's compile, so nothing half-configured can start.
import t from "tap";
import { loadSettings } from "../../catalog/site/settings.js";
import { strategyOf } from "../../catalog/site/delivery.js";
import { CelCache } from "../../catalog/expr/cel.js";
import { compileFiles, problemLines } from "./_helpers.js";

const base = { "module.yaml": "resources:\n  - type: file\n    title: /srv/base\n    ensure: directory\n" };
const nodes = 'nodes:\n  - match: "*"\n    modules: [base]\n';

const good = `environments:
  staging: {}
  production:
    strategy: careful
strategies:
  careful:
    steps:
      - nodes: 1
      - wait: 5m
      - percent: 50
      - approve: {}
      - percent: 100
    gates:
      failed_runs: 10%
      report_within: 2m
    on_failure: pause
  quick:
    steps: [{ percent: 100 }]
`;

t.test("a strategy reads into its steps, gates and on_failure; unset gates take their defaults", async (t) => {
  const dir = t.testdir({ "ancla.yaml": good, "nodes.yaml": nodes, modules: { base } });
  const settings = await loadSettings(dir, new CelCache());
  t.same(settings.problems, []);
  const careful = strategyOf(settings.delivery, "production");
  t.same(careful?.steps, [{ kind: "nodes", count: 1 }, { kind: "wait", seconds: 300 }, { kind: "percent", percent: 50 }, { kind: "approve" }, { kind: "percent", percent: 100 }]);
  t.same(careful?.gates, { failedRuns: { percent: 10 }, imageRollback: true, reportWithinSeconds: 120 });
  t.equal(careful?.onFailure, "pause");
  t.equal(strategyOf(settings.delivery, "staging"), undefined, "an environment without a strategy takes releases at once");
  t.equal(strategyOf(settings.delivery, "lab"), undefined, "so does one ancla.yaml does not list");
  const quick = settings.delivery.strategies.get("quick");
  t.same(quick?.gates, { failedRuns: { count: 0 }, imageRollback: true, reportWithinSeconds: 600 }, "a failed run fails by default; a node has 10 minutes to report");
  t.equal(quick?.onFailure, "rollback");
});

t.test("each mistake in a strategy is a problem where it is written", async (t) => {
  const bad = `environments:
  production: { strategy: carefull }
  Prod: {}
strategies:
  careful:
    steps:
      - nodes: 0
      - percent: 101
      - wait: soon
      - jump: 3
      - { nodes: 1, wait: 5m }
      - approve: { by: ops }
    gates:
      failed_runs: 120%
      latency: 3
      analysis: web-slo
    on_failure: retry
  empty:
    steps: []
  nosteps:
    gates: {}
`;
  const result = await compileFiles(t, { "ancla.yaml": bad, "nodes.yaml": nodes, modules: { base } });
  t.same(problemLines(result), [
    'ancla.yaml:2:27: for node web-01: environment production names strategy "carefull", which `strategies` does not define',
    'ancla.yaml:3:3: for node web-01: environment name "Prod" must be lowercase letters, digits and - (at most 63)',
    "ancla.yaml:7:16: for node web-01: `nodes` must be a whole number 1 or more, not 0",
    "ancla.yaml:8:18: for node web-01: `percent` must be a whole number from 1 to 100, not 101",
    'ancla.yaml:9:15: for node web-01: `wait` must be a duration such as 30s, 5m, 1h or 1d, not "soon"',
    "ancla.yaml:10:9: for node web-01: unknown key `jump` (expected one of: nodes, percent, wait, approve)",
    "ancla.yaml:11:9: for node web-01: a step has exactly one of nodes, percent, wait, approve; this one has 2",
    "ancla.yaml:12:18: for node web-01: `approve` takes no settings yet: write `approve: {}`",
    'ancla.yaml:14:20: for node web-01: `failed_runs` must be a count of nodes (e.g. 0) or a percent of the moved nodes from 0% to 100% (e.g. 10%), not "120%"',
    "ancla.yaml:15:7: for node web-01: unknown key `latency` (expected one of: failed_runs, image_rollback, report_within, analysis)",
    'ancla.yaml:16:17: for node web-01: gate `analysis` names "web-slo", which `analysis` does not define',
    'ancla.yaml:17:17: for node web-01: `on_failure` must be rollback or pause, not "retry"',
    "ancla.yaml:19:12: for node web-01: strategy empty has no steps",
    "ancla.yaml:20:3: for node web-01: strategy nosteps needs `steps` (e.g. - nodes: 1, - wait: 5m, - percent: 100)",
  ]);
});
