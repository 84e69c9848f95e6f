// A run that fills the agent's state dir after it repaired drift (a 4 MiB
// tmpfs, filled by an exec the catalog orders after the file) cannot queue
// its report: the report is delivered all the same while the server is
// reachable; when it is not, the report is lost and the next run's report
// says so (ANCLA_E_REPORT_LOST). Every failure names its path; no lock stays.
import t from "tap";
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { agentAt, enroll, parseReport, startFleet, type Fleet, type ReportJson } from "../helpers/fleet.js";
import { smallFileSystem, tmpfsUnavailable } from "../agent/_helpers.js";
import { workDir } from "../helpers/processes.js";

function writeSite(site: string, managed: string, stateDir: string): void {
  mkdirSync(join(site, "modules/app"), { recursive: true });
  writeFileSync(join(site, "nodes.yaml"), 'nodes:\n  - match: "*"\n    modules: [app]\n');
  writeFileSync(
    join(site, "modules/app/module.yaml"),
    [
      "resources:",
      "  - type: file",
      `    title: ${managed}/app.conf`,
      '    content: "v1\\n"',
      "  - type: exec",
      "    title: fill-the-state-dir",
      `    command: "dd if=/dev/zero of=${stateDir}/filler bs=64k 2>/dev/null; true"`,
      `    require: "file:${managed}/app.conf"`,
      "",
    ].join("\n"),
  );
}

const codes = (r: ReportJson): string[] => (r.logs ?? []).flatMap((l) => (l.code ? [l.code] : []));

async function onServer(fleet: Fleet, runId: string): Promise<ReportJson | undefined> {
  const shown = await fleet.ancla(["report", "show", "web-01", "--run", runId, "--json"]);
  return shown.code === 0 ? parseReport(shown.stdout) : undefined;
}

t.test("a report the full state dir cannot take is delivered, or else announced as lost by the next run", { skip: tmpfsUnavailable() }, async (t) => {
  const base = workDir(t, { site: {}, managed: {} });
  const managed = join(base, "managed");
  // The state dir is a small file system of its own (a link to it, so removing the test dir leaves the mount alone).
  const stateDir = agentAt(base, "web-01").stateDir;
  symlinkSync(smallFileSystem(t, "4m"), stateDir);
  writeSite(join(base, "site"), managed, stateDir);
  const fleet = await startFleet(base, join(base, "site"));
  t.teardown(() => fleet.stop());
  const agent = await enroll(fleet, base, "web-01");
  const filler = join(stateDir, "filler");
  const freeUp = () => rmSync(filler, { force: true });

  const first = await agent.run();
  t.equal(first.code, 2, `the file is made (stderr: ${first.stderr})`);
  t.ok(existsSync(filler), "the exec filled the state dir");
  const r1 = parseReport(first.stdout);
  const messages = (r1.logs ?? []).map((l) => l.message);
  t.ok(
    messages.some((m) => m.startsWith(`ANCLA_E_IO: cannot queue the report: cannot write ${join(stateDir, "reports", `${r1.runId}.json`)}: no space left on device (ENOSPC)`)),
    "the report says why it was not queued",
  );
  t.ok(
    messages.some((m) => m.startsWith(`ANCLA_E_IO: cannot save the drift memory: cannot write ${join(stateDir, "memory.json")}: no space left on device (ENOSPC)`)),
    "and why the memory was not saved",
  );
  t.ok(
    (await onServer(fleet, r1.runId))?.logs?.some((l) => l.code === "ANCLA_E_IO"),
    "delivered from memory, with the reason it was not queued",
  );
  t.notOk(existsSync(join(stateDir, "run.lock")), "the lock is released");
  freeUp();

  t.equal(await fleet.stop(), 0);
  writeFileSync(join(managed, "app.conf"), "drift\n");
  const away = await agent.run();
  t.equal(away.code, 2, `the cached catalog repairs the drift (stderr: ${away.stderr})`);
  const r2 = parseReport(away.stdout);
  t.equal(r2.catalogSource, "cache");
  t.same(codes(r2).filter((c) => c === "ANCLA_E_IO").length, 2, "memory and queue both failed");
  freeUp();

  await fleet.restart();
  const back = await agent.run();
  t.equal(back.code, 2, back.stderr);
  const r3 = parseReport(back.stdout);
  const lostLine = (r3.logs ?? []).find((l) => l.code === "ANCLA_E_REPORT_LOST");
  t.match(lostLine?.message, new RegExp(`^ANCLA_E_REPORT_LOST: the report of run ${r2.runId} \\(.*\\) was lost: it could be neither queued nor delivered`));
  t.equal(await onServer(fleet, r2.runId), undefined, "the lost report never reached the server");
  t.ok(
    (await onServer(fleet, r3.runId))?.logs?.some((l) => l.code === "ANCLA_E_REPORT_LOST"),
    "the server learns of the loss",
  );
  freeUp();

  const after = await agent.run();
  t.notOk(codes(parseReport(after.stdout)).includes("ANCLA_E_REPORT_LOST"), "the loss is told once");
  freeUp();
});
