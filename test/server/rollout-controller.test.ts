// The rollout controller on a real SQLite store, driven tick by tick with
// its clocks in the test's hands: steps move the deterministic cohorts and
// wait for their health, a `wait` bakes on the monotonic clock across a
// restart and a wall-clock jump, a failing gate rolls back by itself with
// the gate, value, threshold and nodes, and each refusal says why.
import t, { type Test } from "tap";
import type { DeliveryPolicy } from "../../catalog/site/delivery.js";
import { ReportStatus } from "../../proto/gen/ancla/v1/agent_pb.js";
import type { RolloutController, RunNow } from "../../server/rollouts/controller.js";
import type { Store } from "../../server/store/index.js";
import { report, tempStore } from "./_helpers.js";
import { passSeconds, policyOf, startTestController } from "./_rollouts.js";

const V1 = "sha256:" + "1".repeat(64);
const V2 = "sha256:" + "2".repeat(64);
const NODES = ["web-01", "web-02", "web-03", "web-04"];

const careful = `environments:
  production: { strategy: careful }
strategies:
  careful:
    steps:
      - nodes: 1
      - wait: 60s
      - percent: 50
      - approve: {}
    gates: { report_within: 5m }
`;

interface Fixture {
  store: Store;
  controller: RolloutController;
  clock: { wall: number; mono: number };
  nudged: string[][];
  policy: DeliveryPolicy;
  /** A controller on the same store, as after a restart. */
  restart(): Promise<RolloutController>;
}

async function fixture(t: Test, yaml = careful): Promise<Fixture> {
  const { store } = tempStore(t);
  const clock = { wall: Date.parse("2026-12-02T10:00:00Z"), mono: 0 };
  const nudged: string[][] = [];
  const runNow: RunNow = {
    nudge: (certnames) => {
      nudged.push(certnames);
      return { sent: certnames, notConnected: [] };
    },
  };
  const policy = await policyOf(t, yaml);
  for (const [i, certname] of NODES.entries()) {
    await store.nodes.recordCheckin(certname, { canary: i === 2 }, new Date(clock.wall));
    await store.nodes.recordEnvironment(certname, "production");
  }
  for (const version of [V1, V2]) await store.releases.saveRelease({ version, firstSeenAt: new Date(clock.wall + (version === V2 ? 1000 : 0)), files: 0, bytes: 0, manifest: [] });
  const make = () => startTestController(t, { store, clock, policy, head: V2, runNow });
  const controller = await make();
  // The environment's nodes run V1 until now: it becomes their stable release.
  t.equal(controller.releaseFor("web-01", "production", V1, policy), V1);
  return { store, controller, clock, nudged, policy, restart: make };
}

async function ran(f: Fixture, certname: string, status: ReportStatus, version = V2): Promise<void> {
  f.clock.wall += 1000;
  await f.store.reports.saveReport(
    report({ runId: `run-${certname}-${f.clock.wall}`, certname, siteVersion: version, status, startedAt: new Date(f.clock.wall).toISOString() }),
    new Date(f.clock.wall),
  );
}

const pass = (f: Fixture, controller: RolloutController, seconds: number) => passSeconds(f.clock, controller, seconds);

t.test("steps move their cohorts, canary first, and wait for them to be healthy; the control stays", async (t) => {
  const f = await fixture(t);
  const started = await f.controller.startRollout({ environment: "production", by: "token:a (alice)" });
  t.equal(started.toRelease, V2, "the newest release by default");
  t.equal(started.fromRelease, V1);
  t.same(f.nudged, [["web-03"]], "the canary (fact canary: true) moves first, and is asked to run now");
  const place = (c: string): string => f.controller.releaseFor(c, "production", V2, f.policy);
  t.same(NODES.map(place), [V1, V1, V2, V1], "the moved node follows the target, the control stays on the stable release");

  await pass(f, f.controller, 3);
  t.equal((await f.controller.view(started.id)).rollout.step, 0, "no report yet: the step waits for the canary");
  await ran(f, "web-03", ReportStatus.CHANGED);
  await pass(f, f.controller, 1);
  let view = await f.controller.view(started.id);
  t.equal(view.rollout.step, 1, "the canary reported healthy: on to the wait");
  t.same(
    view.nodes.map((n) => [n.certname, n.health]),
    [["web-03", "healthy"]],
  );
  t.same(view.control.sort(), ["web-01", "web-02", "web-04"]);

  await pass(f, f.controller, 30);
  // The wall clock jumps a day ahead (NTP, a suspended VM): the bake counts the monotonic clock only.
  f.clock.wall += 86_400_000;
  await f.controller.tick();
  t.equal((await f.controller.view(started.id)).rollout.step, 1, "a wall-clock jump does not end the wait");
  await f.controller.stop();

  // The server restarts mid-wait: it resumes at the same step with the time baked so far.
  const after = await f.restart();
  view = await after.view(started.id);
  t.equal(view.rollout.step, 1, "resumed at the wait step");
  t.ok(view.rollout.bakedMs >= 29_000 && view.rollout.bakedMs <= 31_000, `baked ${view.rollout.bakedMs} ms before the restart`);
  await pass(f, after, 25);
  t.equal((await after.view(started.id)).rollout.step, 1, "still baking");
  await pass(f, after, 10);
  view = await after.view(started.id);
  t.equal(view.rollout.step, 2, "the wait ended after 60 s of baking in all");
  t.equal(f.nudged.length, 2, "percent: 50 moved a second node");
  t.equal(f.nudged[1].length, 1);
  const second = f.nudged[1][0];
  await ran(f, second, ReportStatus.UNCHANGED);
  await pass(f, after, 1);
  view = await after.view(started.id);
  t.equal(view.rollout.state, "awaiting-approval", "the approve step waits for a person");
  await t.rejects(after.approve(started.id, "token:a (alice)"), { code: "ANCLA_E_SELF_APPROVAL" }, "not the one who started it");
  await after.approve(started.id, "token:b (bob)", "CHG-1");
  await pass(f, after, 1);
  t.equal(f.nudged.length, 3, "after the last step every other node moves");
  t.same(f.nudged[2].sort(), NODES.filter((n) => n !== "web-03" && n !== second).sort());
  for (const c of f.nudged[2]) await ran(f, c, ReportStatus.CHANGED);
  await pass(f, after, 1);
  view = await after.view(started.id);
  t.equal(view.rollout.state, "completed");
  t.same(
    view.rollout.approvals.map((a) => [a.by, a.ticket]),
    [["token:b (bob)", "CHG-1"]],
  );
  t.equal(after.stableRelease("production"), V2, "the target is the stable release now");
  t.same(
    NODES.map((c) => after.releaseFor(c, "production", V2, f.policy)),
    [V2, V2, V2, V2],
  );
  t.same(
    view.events
      .filter((e) => e.kind === "gates")
      .slice(0, 3)
      .map((e) => [e.detail?.moved, e.detail?.healthy, e.detail?.pending]),
    [
      [0, 0, 0],
      [1, 0, 1],
      [1, 1, 0],
    ],
    "what the gates saw is sampled whenever it changes: the canary pending, then healthy",
  );
  t.same(
    view.events.filter((e) => e.kind !== "gates").map((e) => e.kind),
    ["started", "moved", "step", "step", "moved", "step", "awaiting-approval", "running", "step", "moved", "completed"],
    "every decision is in the rollout's history, in order",
  );
});

t.test("a failed run on the target rolls back by itself: moved nodes back, the release marked bad", async (t) => {
  const f = await fixture(t);
  const started = await f.controller.startRollout({ environment: "production", by: "token:a (alice)" });
  await ran(f, "web-03", ReportStatus.FAILED);
  await pass(f, f.controller, 1);
  const view = await f.controller.view(started.id);
  t.equal(view.rollout.state, "rolled-back");
  t.match(view.rollout.reason, { kind: "gate", gate: "failed_runs", value: 1, threshold: "0", nodes: ["web-03"] });
  t.equal(f.controller.releaseFor("web-03", "production", V2, f.policy), V1, "the canary is pinned back to the stable release");
  t.same(f.nudged.at(-1), ["web-03"], "and asked to run now");
  await t.rejects(f.controller.startRollout({ environment: "production", by: "token:a (alice)" }), { code: "ANCLA_E_RELEASE_BAD" }, "a bad release needs --force");
  const again = await f.controller.startRollout({ environment: "production", by: "token:a (alice)", force: true });
  t.equal(again.state, "running");
});

t.test("a moved node that does not report on the target in time fails the gate; on_failure: pause pauses", async (t) => {
  const f = await fixture(t, careful.replace("gates: { report_within: 5m }", "gates: { report_within: 2m }\n    on_failure: pause"));
  const started = await f.controller.startRollout({ environment: "production", by: "token:a (alice)" });
  await pass(f, f.controller, 119);
  t.equal((await f.controller.view(started.id)).rollout.state, "running", "within its deadline the node is pending");
  await pass(f, f.controller, 2);
  const view = await f.controller.view(started.id);
  t.equal(view.rollout.state, "paused");
  t.match(view.rollout.reason, { kind: "gate", gate: "report_within", threshold: "120s", nodes: ["web-03"] });
  t.equal(f.controller.releaseFor("web-03", "production", V2, f.policy), V2, "paused: the moved node stays where it is");
  await f.controller.end(started.id, "token:a (alice)", "abort");
  t.equal((await f.controller.view(started.id)).rollout.state, "aborted");
  t.equal(f.controller.releaseFor("web-03", "production", V2, f.policy), V1, "aborted: back to the stable release");
  t.equal(await f.store.rollouts.badRelease("production", V2), undefined, "an abort does not mark the release bad");
});

t.test("what cannot start says why, and starts nothing", async (t) => {
  const f = await fixture(t);
  await t.rejects(f.controller.startRollout({ environment: "staging", by: "a" }), { code: "ANCLA_E_ROLLOUT_INVALID", message: /staging has no strategy/ });
  await t.rejects(f.controller.startRollout({ environment: "production", release: "sha256:feedfacefeedface", by: "a" }), { code: "ANCLA_E_NOT_FOUND", message: /was ever seen/ });
  await t.rejects(f.controller.startRollout({ environment: "production", release: V1, by: "a" }), { code: "ANCLA_E_ROLLOUT_INVALID", message: /already the stable release/ });
  const first = await f.controller.startRollout({ environment: "production", release: V2.slice(0, 16), by: "a" });
  t.equal(first.toRelease, V2, "a unique prefix names a release");
  await t.rejects(f.controller.startRollout({ environment: "production", by: "a" }), { code: "ANCLA_E_ROLLOUT_ACTIVE", message: new RegExp(first.id) });
  await t.rejects(f.controller.resume(first.id, "a"), { code: "ANCLA_E_ROLLOUT_STATE" });
  t.equal((await f.controller.list({ limit: 10 })).length, 1, "nothing half-started");
});

t.test("an environment with a strategy but no nodes cannot start", async (t) => {
  const f = await fixture(t, careful.replace("production: { strategy: careful }", "production: { strategy: careful }\n  canary-lab: { strategy: careful }"));
  await t.rejects(f.controller.startRollout({ environment: "canary-lab", by: "a" }), { code: "ANCLA_E_ROLLOUT_INVALID", message: /no nodes/ });
});

t.test("a node asked to move while it held no Watch stream is asked again when it connects", async (t) => {
  const f = await fixture(t);
  const asked: string[][] = [];
  // The canary is away when the rollout starts: its nudge finds no stream.
  const away = new Set(["web-03"]);
  const runNow: RunNow = {
    nudge: (certnames) => {
      asked.push(certnames);
      return { sent: certnames.filter((c) => !away.has(c)), notConnected: certnames.filter((c) => away.has(c)) };
    },
  };
  await f.controller.stop();
  const controller = await startTestController(t, { store: f.store, clock: f.clock, policy: f.policy, head: V2, runNow });
  const started = await controller.startRollout({ environment: "production", by: "a" });
  t.same(asked, [["web-03"]]);
  await controller.connected("web-01");
  t.same(asked.length, 1, "a node the rollout does not wait on is not asked");
  away.clear();
  await controller.connected("web-03");
  t.same(asked, [["web-03"], ["web-03"]], "the canary is asked again as it connects");
  await controller.connected("web-03");
  t.same(asked.length, 3, "still pending on the target (as after a restart): asked at each connect");
  await ran(f, "web-03", ReportStatus.CHANGED);
  await controller.connected("web-03");
  t.same(asked.length, 3, "healthy on the target: not asked");
  t.equal((await controller.view(started.id)).rollout.state, "running");
});
