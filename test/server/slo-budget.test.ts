// Error-budget arithmetic against hand-computed cases, and `slos:` in
// ancla.yaml read with its defaults and its mistakes at their positions.
import t from "tap";
import { bucketBounds, bucketOf, Histogram } from "../../catalog/health/histogram.js";
import { CelCache } from "../../catalog/expr/cel.js";
import { loadSettings } from "../../catalog/site/settings.js";
import type { Slo } from "../../catalog/site/slos.js";
import { budgetOf, countAtOrBelow } from "../../server/slo/budget.js";
import type { ProbeTotals } from "../../server/store/health.js";
import { compileFiles, problemLines } from "../catalog/_helpers.js";

const where = { file: "ancla.yaml", line: 1, column: 1 };
const availability: Slo = { name: "web-availability", probe: "web-http", objective: 99.9, windowSeconds: 30 * 86400, where };

function totals(count: number, errors: number, latencies: number[] = []): ProbeTotals {
  const latency = new Histogram();
  for (const ms of latencies) latency.record(ms);
  return { nodes: 1, count, errors: { timeout: errors, refused: 0, status: 0, body: 0 }, latency };
}

t.test("availability: 100,000 attempts at 99.9 % allow 100 bad ones", async (t) => {
  // 40 bad of 100,000: 40 % of the 100 allowed spent, 60 % left; burning at 0.4× over the window.
  const b = budgetOf(availability, totals(100_000, 40), totals(1000, 5));
  t.ok(Math.abs(b.allowedBad - 100) < 1e-9);
  t.equal(b.good, 99_960);
  t.ok(Math.abs(b.remaining - 0.6) < 1e-9, `remaining ${b.remaining}`);
  t.ok(Math.abs(b.burnRate - 0.4) < 1e-9, `burn ${b.burnRate}`);
  // Last hour: 5 bad of 1,000 = 0.5 % against 0.1 % allowed: burning 5× too fast.
  t.ok(Math.abs(b.burnRate1h - 5) < 1e-9, `burn 1h ${b.burnRate1h}`);
  t.equal(b.exhausted, false);
});

t.test("a spent budget is exhausted, an overspent one goes below zero", async (t) => {
  const spent = budgetOf(availability, totals(10_000, 10), totals(0, 0));
  t.ok(Math.abs(spent.remaining) < 1e-9);
  t.equal(spent.exhausted, true);
  t.equal(spent.burnRate1h, 0, "nothing measured in the last hour burns nothing");
  const over = budgetOf(availability, totals(10_000, 25), totals(0, 0));
  t.ok(Math.abs(over.remaining - -1.5) < 1e-9, `remaining ${over.remaining}`);
  const none = budgetOf(availability, totals(0, 0), totals(0, 0));
  t.match(none, { remaining: 1, burnRate: 0, exhausted: false }, "nothing measured spends nothing");
});

t.test("latency: attempts slower than latency_ms are bad too", async (t) => {
  const slo: Slo = { ...availability, name: "web-latency", objective: 99, latencyMs: 300 };
  // 1,000 answered: 980 at 50 ms, 20 at 900 ms; no errors. 20 bad of the 10 allowed: spent twice over.
  const b = budgetOf(slo, totals(1000, 0, [...Array(980).fill(50), ...Array(20).fill(900)]), totals(0, 0));
  t.equal(b.good, 980);
  t.ok(Math.abs(b.remaining - -1) < 1e-9, `remaining ${b.remaining}`);
  t.ok(Math.abs(b.burnRate - 2) < 1e-9);
  // A threshold inside a bucket counts that bucket's samples in proportion.
  const h = new Histogram();
  for (let i = 0; i < 8; i++) h.record(100);
  const [lo, hi] = bucketBounds(bucketOf(100));
  t.ok(Math.abs(countAtOrBelow(h, (lo + hi) / 2) - 4) < 1e-9);
  t.equal(countAtOrBelow(h, hi), 8);
  t.equal(countAtOrBelow(h, lo), 0);
});

t.test("slos: in ancla.yaml read with their defaults, mistakes at their positions", async (t) => {
  const base = { "module.yaml": "resources:\n  - type: file\n    title: /srv/base\n    ensure: directory\n" };
  const nodes = 'nodes:\n  - match: "*"\n    modules: [base]\n';
  const good = `environments:
  production: { freeze_on_exhausted_budget: true }
slos:
  web-availability: { probe: web-http, objective: 99.9, window: 30d }
  web-latency: { probe: web-http, objective: 99, latency_ms: 300, environment: production, window: 7d }
  quick: { probe: web-http, objective: 95 }
`;
  const dir = t.testdir({ "ancla.yaml": good, "nodes.yaml": nodes, modules: { base } });
  const { problems, delivery } = await loadSettings(dir, new CelCache());
  t.same(problems, []);
  t.equal(delivery.environments.get("production")?.freezeOnExhaustedBudget, true);
  t.match(delivery.slos.get("web-latency"), { probe: "web-http", objective: 99, latencyMs: 300, environment: "production", windowSeconds: 7 * 86400 });
  t.equal(delivery.slos.get("quick")?.windowSeconds, 30 * 86400, "30 days by default");
  const bad = `environments:
  production: { freeze_on_exhausted_budget: yes please }
slos:
  a: { objective: 100 }
  b: { probe: "web http", objective: 99, window: 5m }
  c: { probe: web, objective: 99, latency_ms: 0, environment: Prod, colour: red }
`;
  const lines = problemLines(await compileFiles(t, { "ancla.yaml": bad, "nodes.yaml": nodes, modules: { base } })).map((l) => l.replace("for node web-01: ", ""));
  t.same(lines, [
    "ancla.yaml:2:45: `freeze_on_exhausted_budget` must be true or false, not a string",
    "ancla.yaml:4:3: SLO a needs `probe` (the probe whose attempts it counts)",
    "ancla.yaml:4:19: `objective` must be a number from 1 to 99.9999, not 100",
    'ancla.yaml:5:15: `probe` must name a probe (letters, digits, ".", "_", "-"), not "web http"',
    "ancla.yaml:5:50: `window` must be from 1h to 35d (health is kept for 35 days)",
    "ancla.yaml:6:47: `latency_ms` must be a number 0.001 or more, not 0",
    'ancla.yaml:6:63: `environment` must be an environment name (lowercase letters, digits and -), not "Prod"',
    "ancla.yaml:6:69: unknown key `colour` (expected one of: probe, objective, window, latency_ms, environment)",
  ]);
});
