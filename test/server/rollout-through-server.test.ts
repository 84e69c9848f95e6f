// Rollouts through a real server (gRPC over mTLS, the HTTPS API, SQLite) with
// simulated agents: a site in git with a strategy keeps its environment on
// the stable release when a new commit lands; a rollout moves the canary
// first and the control only at its step; a failed run on the target rolls
// back by itself, the canary compiled at the stable release again; and a
// server restarted mid-rollout resumes it at the same step.
import t from "tap";
import type { RolloutDetailJson as Rollout } from "../../server/http/routes/rollouts.js";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { JsonObject } from "@bufbuild/protobuf";
import { enrollSimAgents, type SimAgent } from "../../bench/sim-agents.js";
import { envelopeFromMessage } from "../../catalog/envelope.js";
import type { Catalog } from "../../catalog/model.js";
import { ReportStatus } from "../../proto/gen/ancla/v1/agent_pb.js";
import { initDataDir } from "../../server/cli/init.js";
import { startServer } from "../../server/cli/start.js";
import { dataDirPaths } from "../../server/datadir.js";
import { writeFilesSite } from "../helpers/fleet.js";
import { freePort, git } from "../helpers/processes.js";
import { call, eventually, tempDir } from "./_helpers.js";

const STRATEGY = `environments:
  production: { strategy: careful }
strategies:
  careful:
    steps:
      - nodes: 1
      - wait: 2s
      - percent: 100
    gates: { report_within: 1m }
`;
const NODES = ["web-01", "web-02", "web-03", "web-04"];
const facts = (certname: string): JsonObject => ({ os: { family: "debian" }, canary: certname === "web-02" });

t.test("a rollout moves the canary, then the rest; a failed run rolls back by itself; a restart resumes", async (t) => {
  process.env.ANCLA_LOG_LEVEL ??= "warn";
  const dir = tempDir(t);
  const site = join(dir, "site");
  writeFilesSite(site, join(dir, "managed"), 2);
  writeFileSync(join(site, "ancla.yaml"), STRATEGY);
  git(site, "init", "-q");
  git(site, "add", ".");
  git(site, "commit", "-q", "-m", "v1");
  const dataDir = join(dir, "server");
  const { adminToken } = await initDataDir({ dataDir, site, hostname: "localhost" });
  const grpcPort = await freePort();
  // A long compile limit: on a loaded machine a check-in would otherwise get its last good catalog while a compile finishes.
  const start = () => startServer({ dataDir, grpc: `127.0.0.1:${grpcPort}`, http: "127.0.0.1:0", limits: { compileTimeoutMs: 60_000 } });
  let server = await start();
  t.teardown(() => server.stop());
  const ca = { certPem: readFileSync(dataDirPaths(dataDir).caCert, "utf8"), keyPem: "" };
  const api = async (method: string, path: string, body?: unknown) =>
    call({ url: server.runtime.url, ca }, method, path, { token: adminToken, body: body === undefined ? undefined : JSON.stringify(body) });
  const token = (await api("POST", "/api/v1/tokens", { one_time: false })).body as { token: string };
  const agents = await enrollSimAgents(`localhost:${grpcPort}`, ca.certPem, token.token, NODES);
  t.teardown(() => {
    for (const a of agents) a.close();
  });

  /** A check-in and a run: the release its catalog is at, reported with `status`. */
  const run = async (agent: SimAgent, status = ReportStatus.CHANGED): Promise<string> => {
    const answer = await agent.client.getCatalog({ facts: facts(agent.certname), haveDigest: "" });
    if (answer.result.case !== "catalog") throw new Error("no catalog");
    const catalog = JSON.parse(Buffer.from(envelopeFromMessage(answer.result.value).payload).toString("utf8")) as Catalog;
    await agent.report(
      { runId: `${agent.certname}-${Date.now()}-${Math.random()}`, siteVersion: catalog.siteVersion, catalogDigest: catalog.digest, status, startedAt: new Date().toISOString() },
      facts(agent.certname),
    );
    return catalog.siteVersion;
  };
  const runAll = () => Promise.all(agents.map((a) => run(a)));
  const commit = async (version: string): Promise<string> => {
    const module = join(site, "modules/files/module.yaml");
    writeFileSync(module, readFileSync(module, "utf8").replace(/v\d+ for/g, `${version} for`));
    git(site, "commit", "-q", "-am", version);
    // A check-in sees the new version, which the server keeps as a release.
    await run(agents[0]);
    const kept = await eventually(`release ${version} kept`, async () => {
      const { releases } = (await api("GET", "/api/v1/releases")).body as { releases: { version: string; subject: string }[] };
      return releases.find((r) => r.subject === version);
    });
    return kept.version;
  };
  const rollout = async (id: string) => (await api("GET", `/api/v1/rollouts/${id}`)).body as Rollout;

  const v1 = (await runAll())[0];
  t.match(v1, /^git:[0-9a-f]{40}\+sha256:/, "every node compiles the site as it is at first");
  const v2 = await commit("v2");
  t.same(
    await runAll(),
    NODES.map(() => v1),
    "a new commit does not reach an environment with a strategy by itself",
  );

  const started = await api("POST", "/api/v1/rollouts", { environment: "production" });
  t.equal(started.status, 201, JSON.stringify(started.body));
  const r2 = started.body as Rollout;
  t.match(r2, { state: "running", from_release: v1, to_release: v2, nodes: [{ certname: "web-02" }] }, "the canary (fact canary: true) is moved first");
  t.same(await runAll(), [v1, v2, v1, v1], "the canary runs v2, the control stays on v1");
  await eventually("the rollout moves every node after the wait", async () => (await rollout(r2.id)).nodes.length === 4);
  t.same(
    await runAll(),
    NODES.map(() => v2),
  );
  await eventually("the rollout completes", async () => (await rollout(r2.id)).state === "completed");

  // v3 fails on the hosts: the canary's failed run rolls it back.
  const v3 = await commit("v3");
  t.same(
    await runAll(),
    NODES.map(() => v2),
    "v2 is the stable release now",
  );
  const r3 = (await api("POST", "/api/v1/rollouts", { environment: "production", release: v3 })).body as Rollout;
  const canary = agents.find((a) => a.certname === r3.nodes[0].certname)!;
  t.equal(await run(canary, ReportStatus.FAILED), v3);
  const back = await eventually("the failed run rolls the rollout back", async () => {
    const r = await rollout(r3.id);
    return r.state === "rolled-back" && r;
  });
  t.match(back.reason, { gate: "failed_runs", value: 1, threshold: "0", nodes: [canary.certname] }, "the reason names the gate, its value, threshold and node");
  t.same(
    await runAll(),
    NODES.map(() => v2),
    "the canary is compiled at v2 again; no other node ever ran v3",
  );
  const again = await api("POST", "/api/v1/rollouts", { environment: "production", release: v3 });
  t.match(again, { status: 409, body: { error: { code: "ANCLA_E_RELEASE_BAD" } } }, "v3 is marked bad for production");

  // v4 rolls out; the server is stopped and started again during its wait.
  const v4 = await commit("v4");
  const r4 = (await api("POST", "/api/v1/rollouts", { environment: "production", release: v4 })).body as Rollout;
  await run(agents.find((a) => a.certname === r4.nodes[0].certname)!);
  await eventually("the canary is healthy and the rollout waits", async () => (await rollout(r4.id)).step === 1);
  const gauges = String((await call({ url: server.runtime.url, ca }, "GET", "/metrics", { token: adminToken })).body);
  t.match(gauges, `ancla_rollout_nodes{environment="production",rollout="${r4.id}",release="target"} 1`, "one node on the target release");
  t.match(gauges, `ancla_rollout_nodes{environment="production",rollout="${r4.id}",release="stable"} 3`, "three on the stable release");
  t.match(gauges, `ancla_rollout_state{environment="production",rollout="${r4.id}",state="running"} 1`);
  await server.stop();
  server = await start();
  const resumed = await rollout(r4.id);
  t.match(resumed, { state: "running", step: 1 }, "after a restart the rollout is where it was");
  t.equal(resumed.nodes.length, 1, "no node moved twice, none skipped");
  await eventually("it carries on after the restart", async () => (await rollout(r4.id)).nodes.length === 4);
  // Compiles on the restarted server's new workers may outlast a check-in's wait, which then gets the last good catalog.
  await eventually("every node runs v4", async () => (await runAll()).every((v) => v === v4));
  await eventually("and completes", async () => (await rollout(r4.id)).state === "completed");
  const list = (await api("GET", "/api/v1/rollouts?environment=production")).body as { rollouts: Rollout[] };
  t.same(
    list.rollouts.map((r) => r.state),
    ["completed", "rolled-back", "completed"],
    "newest first",
  );
});
