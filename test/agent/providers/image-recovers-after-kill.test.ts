// The journal in practice: the built agent (`ancla-agent apply SITE_DIR`, the
// image shipped in the module with `source: files/...`) is killed with
// SIGKILL while the health check waits, after the switch and before the
// commit. The next run makes the switch again and finishes it when the check
// passes, and undoes it (rolled back, a failed run) when it does not.
import t, { type Test } from "tap";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { copyFile, mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { cli, freePort, ROOT, workDir } from "../../helpers/processes.js";
import { appSetup, buildImage, servedSoon, stopApp, type AppSetup } from "./_image-app.js";

interface Site {
  dir: string;
  site: string;
  state: string;
  app: AppSetup;
  /** The health command passes while this file exists. */
  go: string;
}

async function siteWithImage(t: Test, deadline: string): Promise<Site> {
  const dir = workDir(t, {});
  const app = await appSetup(dir, await freePort());
  t.teardown(() => stopApp(app));
  const go = join(dir, "go");
  const site = join(dir, "site");
  await mkdir(join(site, "modules/webapp/files"), { recursive: true });
  await writeFile(join(site, "nodes.yaml"), 'nodes:\n  - match: "*"\n    modules: [webapp]\n');
  await writeFile(
    join(site, "modules/webapp/module.yaml"),
    `resources:
  - type: image
    title: webapp
    source: files/webapp.tar.gz
    path: ${app.path}
    health:
      command: "test -f ${go}"
      deadline: ${deadline}
    notify: [exec:restart-webapp]
  - type: exec
    title: restart-webapp
    command: "${app.restartScript} ${app.pidFile} ${join(app.path, "current/app.mjs")} ${app.port}"
    refreshonly: true
`,
  );
  return { dir, site, state: join(dir, "state"), app, go };
}

function applyArgs(s: Site): string[] {
  return ["apply", s.site, "--certname", "web-01", "--state-dir", s.state, "--facts-dir", join(s.dir, "no-facts"), "--json"];
}

async function ship(s: Site, version: string): Promise<string> {
  const image = await buildImage(s.dir, version);
  await copyFile(image.file, join(s.site, "modules/webapp/files/webapp.tar.gz"));
  return image.digest;
}

function journal(s: Site): { pending?: { step: string; to: string }; committed?: string; bad?: { digest: string } } | undefined {
  const dir = join(s.state, "image");
  const name = existsSync(dir) ? readdirSync(dir).find((n) => n.endsWith(".json")) : undefined;
  return name ? JSON.parse(readFileSync(join(dir, name), "utf8")) : undefined;
}

/** Starts the agent, waits until its journal says pending-commit, and kills it with SIGKILL. */
async function killWhilePending(t: Test, s: Site): Promise<void> {
  const child = spawn(process.execPath, [join(ROOT, "dist/agent/cli/main.js"), ...applyArgs(s)], { stdio: "ignore" });
  const exited = new Promise<number | null>((r) => child.on("exit", (_code, signal) => r(signal === "SIGKILL" ? -9 : _code)));
  const until = Date.now() + 60_000;
  while (journal(s)?.pending?.step !== "pending-commit" && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  t.equal(journal(s)?.pending?.step, "pending-commit", "the agent reached pending-commit");
  child.kill("SIGKILL");
  t.equal(await exited, -9, "killed by SIGKILL");
}

interface ReportJson {
  status: string;
  events?: { resource: string; property: string; result: string; message?: string }[];
}

t.test("killed between switch and commit: the next run finishes the switch once the health check passes", async (t) => {
  const s = await siteWithImage(t, "60s");
  const v1 = await ship(s, "1.0.0");
  await writeFile(s.go, "");
  const first = await cli("agent", applyArgs(s));
  t.equal(first.code, 2, first.stderr);
  t.equal(await servedSoon(s.app, "1.0.0"), "1.0.0");

  const v2 = await ship(s, "2.0.0");
  await rm(s.go);
  await killWhilePending(t, s);
  t.equal(readlinkSync(join(s.app.path, "current")), `slots/${v2.slice(0, 12)}`, "the switch was made");
  t.equal(await servedSoon(s.app, "2.0.0"), "2.0.0", "and the app restarted onto it");
  t.match(journal(s), { pending: { step: "pending-commit", to: v2 }, committed: v1 });

  const noop = await cli("agent", [...applyArgs(s), "--noop"]);
  t.equal(noop.code, 0, `a noop run only reports (stderr: ${noop.stderr})`);
  t.match(
    (JSON.parse(noop.stdout) as ReportJson).events?.find((e) => e.resource === "image:webapp"),
    { property: "state", result: "noop", message: /would finish or undo the switch to sha256:\w+ interrupted at pending-commit/ },
  );
  t.match(journal(s), { pending: { step: "pending-commit", to: v2 } }, "and leaves the journal as it was");

  await writeFile(s.go, "");
  const next = await cli("agent", applyArgs(s));
  t.equal(next.code, 2, next.stderr);
  const report = JSON.parse(next.stdout) as ReportJson;
  t.match(
    report.events?.find((e) => e.resource === "image:webapp"),
    { result: "changed", message: /^committed: health check passed/ },
  );
  t.equal(report.events?.filter((e) => e.property === "refresh").length, 1, "the switch is made again: one restart, before the health check");
  t.match(journal(s), { committed: v2 });
  t.notOk(journal(s)?.pending, "the journal is closed");
  t.equal(await servedSoon(s.app, "2.0.0"), "2.0.0");
  t.equal((await cli("agent", applyArgs(s))).code, 0, "then in sync");
});

t.test("killed between switch and commit: the next run undoes the switch when the health check still fails", async (t) => {
  const s = await siteWithImage(t, "3s");
  const v1 = await ship(s, "1.0.0");
  await writeFile(s.go, "");
  t.equal((await cli("agent", applyArgs(s))).code, 2);

  const v2 = await ship(s, "2.0.0");
  await rm(s.go);
  await killWhilePending(t, s);
  const next = await cli("agent", applyArgs(s));
  // 6: failures, and changes (the app was restarted twice, onto the new image and back).
  t.equal(next.code, 6, "the run has failures");
  const report = JSON.parse(next.stdout) as ReportJson;
  t.match(
    report.events?.find((e) => e.resource === "image:webapp"),
    { result: "failed", message: new RegExp(`^rolled-back to slots/${v1.slice(0, 12)}: health check failed`) },
  );
  t.equal(readlinkSync(join(s.app.path, "current")), `slots/${v1.slice(0, 12)}`);
  t.equal(await servedSoon(s.app, "1.0.0"), "1.0.0", "the old version serves again");
  t.match(journal(s), { committed: v1, bad: { digest: v2 } });
});
