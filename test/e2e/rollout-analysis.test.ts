// SLO analysis end to end, as issue 14 asks: agents as daemons probing a real
// HTTP app on loopback per node (a tiny server whose latency and error rate
// follow a file the site manages, so a release can make the canary's app
// slow), their health sent over ReportHealth to a real server, and rollouts
// gated by analysis in four environments at once:
//   healthy — the canary measures like the control: promoted;
//   slow    — the canary's P95 is three times the control's: rolled back,
//             with both P95s in the result;
//   errors  — 5 % of the canary's answers are errors: rolled back;
//   quiet   — min_samples far above the traffic: inconclusive, paused, and it
//             says why.
// A real Prometheus scrapes the server's metrics (the probes per node) and a
// `prometheus:` check on them passes in every run.
import t from "tap";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { AnalysisJson } from "../../server/http/routes/rollouts.js";
import type { RolloutDetailJson as Rollout } from "../../server/http/routes/rollouts.js";
import { dataDirPaths } from "../../server/datadir.js";
import { readRuntime } from "../../server/runtime.js";
import { browserMissing, logIn, openBrowser, screenshot } from "../helpers/browser.js";
import { startDaemon } from "../helpers/daemons.js";
import { enroll, startFleet, type Fleet } from "../helpers/fleet.js";
import { freePort, git } from "../helpers/processes.js";
import { startPrometheus } from "../helpers/prometheus.js";
import { call, eventually } from "../server/_helpers.js";

const ENVIRONMENTS = ["healthy", "slow", "errors", "quiet"] as const;
type Environment = (typeof ENVIRONMENTS)[number];
/** What v2 makes each environment's apps do. */
const V2_MODE: Record<Environment, string> = { healthy: "healthy", slow: "slow", errors: "errors", quiet: "healthy" };
const NODES = ENVIRONMENTS.flatMap((env) => [1, 2, 3].map((i) => `${env}-0${i}`));
/** The app's answer time: large enough that the slow canary's × 3 stands out of two busy cores' noise. */
const BASE_MS = 50;
/** The first run comes a window (1m) after the next minute boundary plus 15 s; a few runs after it. */
const DECISION_MS = 240_000;

/**
 * The app of one simulated node: answers "ok" after BASE_MS, or three times
 * that when its mode file says "slow", or 500 for every 20th request (5 %)
 * when it says "errors". The mode is read on every request, so it changes the
 * moment the agent writes the file.
 */
function startApp(modeFile: string): Promise<Server> {
  let requests = 0;
  const server = createServer((_req, res) => {
    let mode = "healthy";
    try {
      mode = readFileSync(modeFile, "utf8").trim();
    } catch {
      // Not written yet: the agent has not converged.
    }
    const failing = mode === "errors" && requests++ % 20 === 0;
    setTimeout(
      () => {
        res.writeHead(failing ? 500 : 200, { "content-type": "text/plain" });
        res.end(failing ? "broken\n" : "ok\n");
      },
      mode === "slow" ? BASE_MS * 3 : BASE_MS,
    );
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

function ancla(promAddress: string): string {
  return `hierarchy: ["nodes/\${node.name}.yaml", common.yaml]
environments:
  healthy: { strategy: verified }
  slow: { strategy: verified }
  errors: { strategy: verified }
  quiet: { strategy: starved }
strategies:
  verified:
    steps: [{ nodes: 1 }]
    gates: { failed_runs: 0, analysis: app-slo }
    on_failure: rollback
  starved:
    steps: [{ nodes: 1 }]
    gates: { analysis: starved }
    on_failure: rollback
analysis:
  app-slo:
    window: 1m
    interval: 10s
    min_samples: 30
    probe: app-http
    checks:
      - error_rate: { max: 0.02 }
      - p95_latency_ms: { max_ratio_to_control: 2 }
      - prometheus:
          address: ${promAddress}
          query: 'sum(ancla_probe_attempts_total{node=~"{{nodes}}"})'
          condition: "result > 0"
  starved:
    window: 1m
    min_samples: 100000
    probe: app-http
    checks:
      - error_rate: { max: 0.02 }
probes:
  local_only: true
`;
}

const MODULE = `params:
  port: { type: int }
  mode: { type: string, default: healthy }
  root: { type: string }
resources:
  - type: file
    title: "\${params.root}/\${node.name}/app.mode"
    content: "\${params.mode}\\n"
probes:
  - name: app-http
    http: { url: "http://127.0.0.1:\${params.port}/", status: 200, body: "^ok" }
    every: 1s
    timeout: 1s
`;

const NODES_YAML = `nodes:
  - match: "*"
    modules: [app]
${ENVIRONMENTS.map((env) => `  - match: "${env}-*"\n    environment: ${env}\n`).join("")}`;

/** `ancla ... --json`; exit 1 is an answer too (`rollout status` of a rolled-back rollout). */
async function json<T>(fleet: Fleet, args: string[]): Promise<T> {
  const r = await fleet.ancla([...args, "--json"]);
  if (r.code !== 0 && r.code !== 1) throw new Error(`ancla ${args.join(" ")}: exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

t.test("rollouts gated by SLO analysis of real probes", async (t) => {
  // Not t.testdir(): tap empties that before later teardowns run, while the daemons still write their health queues.
  const base = mkdtempSync(join(tmpdir(), "ancla-analysis-"));
  const site = join(base, "site");
  const managed = join(base, "managed");
  for (const dir of ["site/modules/app", "site/data/nodes", "managed"]) mkdirSync(join(base, dir), { recursive: true });
  const ports = new Map<string, number>();
  for (const node of NODES) {
    mkdirSync(join(managed, node));
    const app = await startApp(join(managed, node, "app.mode"));
    // The probes keep their connections alive: close them too, or close() waits for ever.
    t.teardown(
      () =>
        new Promise((resolve) => {
          app.close(resolve);
          app.closeAllConnections();
        }),
    );
    ports.set(node, (app.address() as AddressInfo).port);
  }
  const promPort = await freePort();
  const writeSite = (modes: (node: string) => string): void => {
    for (const node of NODES) writeFileSync(join(site, "data/nodes", `${node}.yaml`), `app.port: ${ports.get(node)}\napp.mode: ${modes(node)}\n`);
  };
  writeFileSync(join(site, "ancla.yaml"), ancla(`http://127.0.0.1:${promPort}`));
  writeFileSync(join(site, "nodes.yaml"), NODES_YAML);
  writeFileSync(join(site, "modules/app/module.yaml"), MODULE);
  writeFileSync(join(site, "data/common.yaml"), `app.root: ${JSON.stringify(managed)}\n`);
  writeSite(() => "healthy");
  git(site, "init", "-q");
  git(site, "add", ".");
  git(site, "commit", "-q", "-m", "v1");

  const fleet = await startFleet(base, site);
  t.teardown(() => fleet.stop());
  // The server's own log, when something here fails: the first place to look.
  t.teardown(() => {
    if (!t.passing()) t.comment(`server log:\n${fleet.server.logs().slice(-4000)}`);
  });
  const paths = dataDirPaths(fleet.dataDir);
  const apiPort = new URL(readRuntime(paths.runtime)!.url).port;
  const viewer = await json<{ token: string }>(fleet, ["api-token", "create", "--role", "viewer", "--name", "prometheus"]);
  const prometheus = await startPrometheus(t, [], { port: promPort, ancla: { target: `localhost:${apiPort}`, caFile: paths.caCert, token: viewer.token } });

  const agents = await Promise.all(NODES.map((c) => enroll(fleet, base, c)));
  const daemons = agents.map((a) => startDaemon(t, a, { runInterval: 3600, healthWindow: 1 }));
  // The daemons write their health queues until they have stopped (a last flush on SIGTERM): stop them, then remove.
  t.teardown(async () => {
    await Promise.all(daemons.map((d) => d.stop()));
    rmSync(base, { recursive: true, force: true });
  });
  const mode = (node: string): string => {
    try {
      return readFileSync(join(managed, node, "app.mode"), "utf8").trim();
    } catch {
      return "none";
    }
  };
  await eventually(
    () => `every daemon converged v1: ${NODES.map(mode).join(" ")}`,
    () => NODES.every((n) => mode(n) === "healthy"),
    120_000,
  );
  await prometheus.scraped('ancla_probe_attempts_total{probe="app-http"}', NODES.length);

  await t.test("the server stores each node's probes and shows them", async (t) => {
    const probes = await eventually(
      "healthy-01 has probe attempts stored",
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const r = await fleet.ancla(["node", "probes", "healthy-01", "--json"]);
        if (r.code !== 0) throw new Error(r.stderr);
        const body = JSON.parse(r.stdout) as { probes: { probe: string; count: number; p95_ms: number | null; target: string | null }[] };
        return body.probes[0]?.count > 0 && body.probes[0];
      },
      60_000,
    );
    t.equal(probes.probe, "app-http");
    t.match(probes.target, /^http GET http:\/\/127\.0\.0\.1:\d+\/ → 200/);
    // The app's own time at least; on two busy cores, more (this is not a benchmark).
    t.ok(probes.p95_ms! >= BASE_MS && probes.p95_ms! < 2000, `P95 ${probes.p95_ms} ms, the app answering in ${BASE_MS} ms`);
  });

  writeSite((node) => V2_MODE[node.split("-")[0] as Environment]);
  git(site, "commit", "-q", "-am", "v2");
  const release = await eventually("release v2 kept", async () => {
    await fleet.ancla(["run", NODES[0]]);
    const { releases } = await json<{ releases: { version: string; subject: string }[] }>(fleet, ["release", "list"]);
    return releases.find((r) => r.subject === "v2");
  });
  const rollouts = new Map<Environment, Rollout>();
  for (const env of ENVIRONMENTS) rollouts.set(env, await json<Rollout>(fleet, ["rollout", "start", "--env", env, "--release", release.version]));
  const canaryOf = (env: Environment): string => rollouts.get(env)!.nodes[0].certname;
  // Polled through the API: a CLI process a second would load these two cores as much as the daemons do.
  const admin = { token: readFileSync(paths.adminToken, "utf8").trim() };
  const status = async (env: Environment): Promise<Rollout> =>
    (await call({ url: readRuntime(paths.runtime)!.url, ca: { certPem: readFileSync(paths.caCert, "utf8"), keyPem: "" } }, "GET", `/api/v1/rollouts/${rollouts.get(env)!.id}`, admin)).body as Rollout;
  const settled = (env: Environment, states: string[]) => {
    let last: Rollout | undefined;
    return eventually(
      () => `the ${env} rollout is ${states.join(" or ")}; it is ${last?.state}: ${JSON.stringify(last?.events?.slice(-3))}`,
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        last = await status(env);
        return states.includes(last.state) && last;
      },
      DECISION_MS,
    );
  };
  const analysis = (env: Environment) => json<AnalysisJson>(fleet, ["analysis", "show", rollouts.get(env)!.id]);

  await t.test("a canary three times slower fails the analysis and rolls back, with both P95s", async (t) => {
    const back = await settled("slow", ["rolled-back"]);
    t.match(back.reason, { kind: "gate", gate: "analysis" });
    const failed = (await analysis("slow")).runs.flatMap((r) => r.checks).find((c) => c.check === "p95_latency_ms" && c.outcome === "fail");
    t.ok(failed, "a p95_latency_ms check failed");
    t.ok(failed!.canary! / failed!.control! > 2, `canary P95 ${failed!.canary} ms vs control ${failed!.control} ms`);
    t.ok(failed!.samples.canary >= 30 && failed!.samples.control >= 30, `samples ${JSON.stringify(failed!.samples)}`);
    await eventually(
      () => `the canary's app is healthy again: ${mode(canaryOf("slow"))}`,
      () => mode(canaryOf("slow")) === "healthy",
      30_000,
    );
  });

  await t.test("the rollout page shows every run's numbers as a table and charts, on a phone too", { skip: browserMissing() }, async (t) => {
    const context = await openBrowser(t);
    const id = rollouts.get("slow")!.id;
    const page = await logIn(context, readRuntime(paths.runtime)!.url, readFileSync(paths.adminToken, "utf8").trim(), `/rollouts/${id}`);
    t.equal(await page.textContent("h1 .badge"), "rolled-back");
    const failed = page.locator('#analysis-runs tr[data-outcome="fail"]').first();
    t.match(await failed.textContent(), /p95_latency_ms app-http/, "the failing check is listed");
    const cells = await failed.locator("td.num").allTextContents();
    t.ok(Number(cells[0]) > Number(cells[1]) * 2, `canary ${cells[0]} ms against control ${cells[1]} ms`);
    const chart = page.locator("#analysis-chart-1 svg[role=img]");
    t.ok(await chart.isVisible(), "the P95 chart is drawn");
    t.match(await chart.getAttribute("aria-label"), /^p95_latency_ms app-http over time: canary [\d.]+, control [\d.]+/, "it says what it draws");
    t.ok((await chart.locator("circle").count()) >= 2, "a point per run for the canary and the control");
    t.comment(`screenshot: ${await screenshot(t, page, "analysis-rolled-back")}`);
    await page.setViewportSize({ width: 375, height: 740 });
    for (const path of [`/rollouts/${id}`, `/nodes/${canaryOf("slow")}`]) {
      await page.goto(`${readRuntime(paths.runtime)!.url}${path}`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      t.ok(overflow <= 0, `${path} does not scroll sideways on a 375 px screen (overflow ${overflow} px)`);
    }
    t.equal(await page.locator("#probe-table tbody tr").count(), 1, "the node page lists its probe");
  });

  await t.test("a canary with 5 % errors fails and rolls back", async (t) => {
    const back = await settled("errors", ["rolled-back"]);
    t.match(back.reason, { kind: "gate", gate: "analysis" });
    const failed = (await analysis("errors")).runs.flatMap((r) => r.checks).find((c) => c.check === "error_rate" && c.outcome === "fail");
    t.ok(failed && failed.canary! >= 0.03 && failed.canary! <= 0.08, `the canary's error rate ${failed?.canary}`);
    t.equal(failed?.control, 0, "the control has no errors");
    t.match(failed?.message, /over 2%/);
  });

  await t.test("too little traffic is inconclusive: the rollout pauses and says why", async (t) => {
    const paused = await settled("quiet", ["paused"]);
    t.match(paused.reason?.message, /inconclusive.*too little traffic: the canary has \d+ attempts, fewer than min_samples 100000/);
    t.equal(mode(canaryOf("quiet")), "healthy");
  });

  await t.test("a healthy canary is promoted: every node of its environment moves", async (t) => {
    const promoted = await eventually(
      "the healthy rollout moves its control too",
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const r = await status("healthy");
        return r.nodes.length === 3 && r;
      },
      DECISION_MS,
    );
    t.not(promoted.state, "rolled-back");
    const passed = (await analysis("healthy")).runs.find((r) => r.outcome === "pass");
    t.ok(passed, "an analysis run passed");
    const prom = passed!.checks.find((c) => c.check === "prometheus");
    t.equal(prom?.outcome, "pass", "the prometheus check read the probes the server exposes");
    t.ok(prom!.canary! > 0, `Prometheus counted ${prom?.canary} attempts on the canary`);
  });
});
