// A rollout of an image update whose health check fails, end to end: two
// daemons (one-hour interval, so only Watch moves them) each running the app
// from an image; the release naming app@bad-2.0.0 reaches the canary, whose
// health probe fails, so its agent switches back to 1.0.0 and reports the
// rollback; the rollout's image_rollback gate stops it by itself, and the
// other node never leaves 1.0.0.
import t, { type Test } from "tap";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startDaemon } from "../helpers/daemons.js";
import { enroll, startFleet, type Fleet } from "../helpers/fleet.js";
import { freePort, workDir } from "../helpers/processes.js";
import { eventually } from "../server/_helpers.js";
import { appSetup, buildImage, served, stopApp, type AppSetup } from "../agent/providers/_image-app.js";

const NODES = ["web-01", "web-02"];

function writeSite(site: string, apps: Map<string, AppSetup>, version: string): void {
  mkdirSync(join(site, "modules/webapp"), { recursive: true });
  writeFileSync(join(site, "ancla.yaml"), "environments:\n  production: { strategy: careful }\nstrategies:\n  careful:\n    steps: [{ nodes: 1 }, { wait: 1h }]\n    on_failure: rollback\n");
  const rules = [...apps].map(
    ([certname, app]) =>
      `  - match: ${certname}\n    modules: [webapp]\n    params:\n      webapp: { path: "${app.path}", port: ${app.port}, restart: "${app.restartScript} ${app.pidFile} ${join(app.path, "current/app.mjs")} ${app.port}" }\n`,
  );
  writeFileSync(join(site, "nodes.yaml"), `nodes:\n${rules.join("")}`);
  writeFileSync(
    join(site, "modules/webapp/module.yaml"),
    `params:
  path: { type: string }
  port: { type: int }
  restart: { type: string }
resources:
  - type: image
    title: webapp
    artifact: app@${version}
    path: \${params.path}
    health:
      http: { url: "http://127.0.0.1:\${params.port}/health", status: 200, max_ms: 2000 }
      deadline: 5s
    notify: [exec:restart-webapp]
  - type: exec
    title: restart-webapp
    command: \${params.restart}
    refreshonly: true
`,
  );
}

async function push(t: Test, fleet: Fleet, file: string, version: string): Promise<void> {
  const r = await fleet.ancla(["artifact", "push", file, "--name", "app", "--version", version]);
  t.equal(r.code, 0, r.stderr);
}

t.test("an image whose health check fails on the canary stops the rollout by itself", async (t) => {
  const base = workDir(t, { site: {} });
  const site = join(base, "site");
  const apps = new Map<string, AppSetup>();
  for (const certname of NODES) {
    mkdirSync(join(base, certname), { recursive: true });
    const app = await appSetup(join(base, certname), await freePort());
    t.teardown(() => stopApp(app));
    apps.set(certname, app);
  }
  const [good, bad] = [await buildImage(base, "1.0.0"), await buildImage(base, "bad-2.0.0")];
  writeSite(site, apps, "1.0.0");
  const fleet = await startFleet(base, site);
  t.teardown(() => fleet.stop());
  await push(t, fleet, good.file, "1.0.0");
  await push(t, fleet, bad.file, "bad-2.0.0");
  const agents = await Promise.all(NODES.map((c) => enroll(fleet, base, c)));
  for (const a of agents) startDaemon(t, a, { runInterval: 3600, timeout: 30 });
  for (const [certname, app] of apps) await eventually(`${certname} serves 1.0.0`, async () => (await served(app).catch(() => "")) === "1.0.0", 120_000);

  writeSite(site, apps, "bad-2.0.0");
  const release = await eventually("the new release is kept", async () => {
    await fleet.ancla(["run", NODES[0]]);
    const { releases } = JSON.parse((await fleet.ancla(["release", "list", "--json"])).stdout) as { releases: { version: string }[] };
    return releases.length >= 2 && releases[0].version;
  });
  const start = await fleet.ancla(["rollout", "start", "--env", "production", "--release", release, "--json"]);
  t.equal(start.code, 0, start.stderr);
  const { id, nodes } = JSON.parse(start.stdout) as { id: string; nodes: { certname: string }[] };
  const canary = nodes[0].certname;
  const other = NODES.find((c) => c !== canary)!;
  const stopped = await eventually(
    "the rollout rolls back on the image's rollback",
    async () => {
      const r = JSON.parse((await fleet.ancla(["rollout", "status", id, "--json"])).stdout) as { state: string; reason: { gate?: string; nodes?: string[]; message: string } | null };
      return r.state === "rolled-back" && r;
    },
    90_000,
  );
  t.match(stopped.reason, { gate: "image_rollback", nodes: [canary] }, "the reason names the gate and the canary");
  t.equal(await served(apps.get(canary)!), "1.0.0", "the canary switched back to 1.0.0");
  t.equal(await served(apps.get(other)!), "1.0.0", "the other node never left 1.0.0");
});
