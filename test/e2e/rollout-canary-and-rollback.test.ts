// A rollout end to end, as issue 13 asks: ten agents as daemons with a
// one-hour interval (so only Watch moves them) on a site in a git
// repository, a real server over real TLS on loopback, the operator CLI.
// v2 rolls out in `nodes: 1 → wait → percent: 50 → percent: 100`: each step's
// cohort converges within seconds, the control stays on v1 until its turn.
// v3 fails on the hosts: the canary fails, the rollout rolls back by itself,
// the canary's files are as v2 made them, no other node ever ran v3, and the
// reason names the gate and the node. A server killed during a wait step
// resumes the rollout at that step.
import t from "tap";
import type { RolloutDetailJson as Rollout } from "../../server/http/routes/rollouts.js";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startDaemon } from "../helpers/daemons.js";
import { git, workDir } from "../helpers/processes.js";
import { enroll, startFleet, writeFilesSite, type Fleet } from "../helpers/fleet.js";
import { dataDirPaths } from "../../server/datadir.js";
import { readRuntime } from "../../server/runtime.js";
import { call, eventually } from "../server/_helpers.js";

const NODES = Array.from({ length: 10 }, (_, i) => `web-${String(i + 1).padStart(2, "0")}`);
const STRATEGY = `environments:
  production: { strategy: careful }
strategies:
  careful:
    steps:
      - nodes: 1
      - wait: 3s
      - percent: 50
      - percent: 100
    gates: { failed_runs: 0, report_within: 2m }
    on_failure: rollback
`;

/** An API request as the server's admin, found through the data dir as `ancla` finds it. */
function api(fleet: Fleet, path: string) {
  const paths = dataDirPaths(fleet.dataDir);
  const url = readRuntime(paths.runtime)!.url;
  return call({ url, ca: { certPem: readFileSync(paths.caCert, "utf8"), keyPem: "" } }, "GET", path, { token: readFileSync(paths.adminToken, "utf8").trim() });
}

async function json<T>(fleet: Fleet, args: string[]): Promise<T> {
  const r = await fleet.ancla([...args, "--json"]);
  if (r.code !== 0 && r.code !== 1) throw new Error(`ancla ${args.join(" ")}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

t.test("a rollout through real daemons: steps, control, automatic rollback, restart", async (t) => {
  const base = workDir(t, { site: {}, managed: {} });
  const site = join(base, "site");
  const managed = join(base, "managed");
  writeFilesSite(site, managed, 2);
  writeFileSync(join(site, "ancla.yaml"), STRATEGY);
  git(site, "init", "-q");
  git(site, "add", ".");
  git(site, "commit", "-q", "-m", "v1");
  const fleet = await startFleet(base, site);
  t.teardown(() => fleet.stop());
  const agents = await Promise.all(NODES.map((c) => enroll(fleet, base, c)));
  const daemons = agents.map((a) => startDaemon(t, a, { runInterval: 3600 }));
  /** The content version web-NN's first managed file holds: v1, v2, v3. */
  const onHost = (certname: string): string => {
    try {
      return /# f001\.conf (v\d+) for/.exec(readFileSync(join(managed, certname, "f001.conf"), "utf8"))?.[1] ?? "other";
    } catch {
      return "none";
    }
  };
  const versions = () => NODES.map(onHost);
  await eventually(
    () => `every daemon converged v1: ${versions().join(" ")}`,
    () => versions().every((v) => v === "v1"),
    120_000,
  );

  const commit = (version: string, extra = ""): void => {
    writeFilesSite(site, managed, 2, version);
    if (extra) writeFileSync(join(site, "modules/files/module.yaml"), readFileSync(join(site, "modules/files/module.yaml"), "utf8") + extra);
    git(site, "commit", "-q", "-am", version);
  };
  /** Starts a rollout of the commit `subject` once the server has kept it (a check-in sees it). */
  const start = async (subject: string): Promise<Rollout> => {
    const release = await eventually(`release ${subject} kept`, async () => {
      // Nothing makes a daemon check in by itself within the hour: one run now lets the server see the commit.
      await fleet.ancla(["run", NODES[0]]);
      const { releases } = await json<{ releases: { version: string; subject: string }[] }>(fleet, ["release", "list"]);
      return releases.find((r) => r.subject === subject);
    });
    return json<Rollout>(fleet, ["rollout", "start", "--env", "production", "--release", release.version]);
  };
  const status = (id: string) => json<Rollout>(fleet, ["rollout", "status", id]);

  await t.test("v2 rolls out step by step; the control stays on v1 until its turn", async (t) => {
    commit("v2");
    const rollout = await start("v2");
    t.equal(rollout.state, "running");
    const canary = rollout.nodes[0].certname;
    t.equal(rollout.nodes.length, 1, "the first step moves one node");
    await eventually(
      () => `the canary ${canary} converges v2 within seconds: ${versions().join(" ")}`,
      () => onHost(canary) === "v2",
      30_000,
    );
    t.same(versions().filter((v) => v === "v2").length, 1, "no other node moved");
    const half = await eventually("the 50% step moves five nodes", async () => {
      const r = await status(rollout.id);
      return r.nodes.length >= 5 && r;
    });
    const moved = half.nodes.slice(0, 5).map((n) => n.certname);
    await eventually(
      () => `the 50% cohort converges v2: ${versions().join(" ")}`,
      () => moved.every((c) => onHost(c) === "v2"),
      30_000,
    );
    await eventually(
      () => `every node converges v2: ${versions().join(" ")}`,
      () => versions().every((v) => v === "v2"),
      60_000,
    );
    const done = await eventually("the rollout completes", async () => {
      const r = await status(rollout.id);
      return r.state === "completed" && r;
    });
    t.same(
      done.events.filter((e) => e.kind === "moved").map((e) => e.detail?.moved),
      [1, 5, 10],
      "cohorts of 1, then up to 50%, then all",
    );
    // The control stays on v1 until its turn: no node ran v2 before it was moved.
    for (const node of done.nodes) {
      const { reports } = (await api(fleet, `/api/v1/reports?node=${node.certname}&limit=100`)).body as { reports: { site_version: string; received_at: string }[] };
      const onV2 = reports.filter((r) => r.site_version === done.to_release);
      t.ok(onV2.length > 0 && onV2.every((r) => Date.parse(r.received_at) >= Date.parse(node.moved_at)), `${node.certname} ran v2 only once moved (step ${node.step + 1})`);
    }
    t.equal(done.nodes.length, 10);
  });

  await t.test("v3 fails on the hosts: the canary fails, the rollout rolls back by itself", async (t) => {
    // Its files change and an exec fails: the run on v3 fails after writing v3's files.
    commit("v3", "  - type: exec\n    title: /bin/false\n    unless: /bin/false\n");
    const rollout = await start("v3");
    const canary = rollout.nodes[0].certname;
    const back = await eventually(
      "the rollout rolls back",
      async () => {
        const r = await status(rollout.id);
        return r.state === "rolled-back" && r;
      },
      60_000,
    );
    t.match(back.reason, { kind: "gate", gate: "failed_runs", value: 1, threshold: "0", nodes: [canary] }, "the reason names the gate, the value, the threshold and the node");
    await eventually(
      () => `the canary's files are as v2 made them again: ${onHost(canary)}`,
      () => onHost(canary) === "v2",
      30_000,
    );
    t.same(
      versions(),
      NODES.map(() => "v2"),
      "every node is on v2",
    );
    const v3 = rollout.to_release;
    for (const certname of NODES.filter((c) => c !== canary)) {
      const { reports } = (await api(fleet, `/api/v1/reports?node=${certname}&limit=100`)).body as { reports: { site_version: string }[] };
      t.ok(reports.length > 0, `${certname} has reports`);
      t.notOk(
        reports.some((r) => r.site_version === v3),
        `${certname} never ran v3`,
      );
    }
    const again = await fleet.ancla(["rollout", "start", "--env", "production", "--release", v3]);
    t.not(again.code, 0, "a release rolled back needs --force");
    t.match(again.stderr, /ANCLA_E_RELEASE_BAD/);
  });

  await t.test("a server killed during a wait step resumes the rollout at that step", async (t) => {
    commit("v4");
    const rollout = await start("v4");
    await eventually("the canary is healthy and the wait bakes", async () => (await status(rollout.id)).step === 1);
    fleet.server.child.kill("SIGKILL");
    await fleet.stop();
    await fleet.restart();
    const resumed = await status(rollout.id);
    t.ok(resumed.step >= 1 && resumed.nodes.length >= 1, `resumed at step ${resumed.step} with ${resumed.nodes.length} node(s) moved`);
    t.ok(resumed.state === "running" || resumed.state === "completed", resumed.state);
    await eventually(
      () => `every node converges v4 after the restart: ${versions().join(" ")}`,
      () => versions().every((v) => v === "v4"),
      90_000,
    );
    const done = await eventually("the rollout completes", async () => {
      const r = await status(rollout.id);
      return r.state === "completed" && r;
    });
    t.equal(new Set(done.nodes.map((n) => n.certname)).size, 10, "each node moved once");
    for (const d of daemons) t.equal(d.runs() > 0, true);
  });
});
