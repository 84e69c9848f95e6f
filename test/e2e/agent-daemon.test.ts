// `ancla-agent run` as a daemon: it runs on its interval, keeps converging
// from its cached catalog while the server is away, and stops cleanly on SIGTERM.
import t from "tap";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { enroll, startFleet, writeFilesSite } from "../helpers/fleet.js";
import { ROOT, workDir } from "../helpers/processes.js";

t.test("the daemon runs on its interval, survives the server going away, and stops on SIGTERM", async (t) => {
  const base = workDir(t, { site: {}, managed: {} });
  const site = join(base, "site");
  writeFilesSite(site, join(base, "managed"), 2);
  const fleet = await startFleet(base, site);
  t.teardown(() => fleet.stop());
  const agent = await enroll(fleet, base, "app-01");
  const config = join(base, "agent.yaml");
  writeFileSync(config, `state_dir: ${agent.stateDir}\nrun_interval: 1\nsplay: 0\ntimeout: 5\n`);

  const daemon = spawn(process.execPath, [join(ROOT, "dist/agent/cli/main.js"), "run", "--config", config], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  daemon.stdout.on("data", (d: Buffer) => (out += d.toString()));
  daemon.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => daemon.on("exit", (code) => resolve(code)));
  const runs = (source: string) => out.split("\n").filter((l) => l.startsWith("run ") && l.includes(`from ${source}`)).length;
  const waitFor = async (what: string, ok: () => boolean) => {
    for (let i = 0; i < 300 && !ok(); i++) await new Promise((r) => setTimeout(r, 100));
    t.ok(ok(), what);
  };

  await waitFor("two runs against the server", () => runs("server") >= 2);
  t.match(out, /run .*: changed/, "the first run converged");
  await fleet.stop();
  await waitFor("runs from the cache while the server is away", () => runs("cache") >= 1);
  daemon.kill("SIGTERM");
  t.equal(await exited, 0, "stops cleanly on SIGTERM");
});
