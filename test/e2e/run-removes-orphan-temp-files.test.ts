// A run killed between writing a temp file and renaming it leaves the temp
// file behind. The next run removes such orphans beside the files its
// catalog manages and in its state dir, when their writer (the pid in the
// name) is gone; a noop run removes nothing, and nothing else is touched.
import t from "tap";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempPathFor } from "../../agent/state/atomic-write.js";
import { fleetWithAgent, parseReport } from "../helpers/fleet.js";

t.test("a run removes the temp files killed runs left, only where it manages files and only theirs", async (t) => {
  const { base, agent } = await fleetWithAgent(t);

  const dir = join(base, "managed/web-01");
  const dead = spawnSync(process.execPath, ["-e", ""]).pid!;
  const orphan = join(dir, `.ancla-tmp-${dead}-f001.conf.0123456789ab`);
  const stateOrphan = join(agent.stateDir, `.ancla-tmp-${dead}-memory.json.0123456789ab`);
  const live = tempPathFor(join(dir, "f002.conf")); // this test process is alive and runs the agent's program
  const unmanaged = join(base, "elsewhere", `.ancla-tmp-${dead}-x.0123456789ab`);
  const lookalike = join(dir, ".ancla-tmp-f001.conf.0123456789ab");
  mkdirSync(join(base, "elsewhere"), { recursive: true });
  for (const path of [orphan, stateOrphan, live, unmanaged, lookalike]) writeFileSync(path, "x".repeat(4096));

  const noop = await agent.run(["--noop"]);
  t.equal(noop.code, 0, noop.stderr);
  t.ok(existsSync(orphan), "a noop run leaves them");

  const run = await agent.run();
  t.equal(run.code, 0, `nothing else to change (stderr: ${run.stderr})`);
  t.notOk(existsSync(orphan), "the orphan beside a managed file is gone");
  t.notOk(existsSync(stateOrphan), "so is the one in the state dir");
  t.ok(existsSync(live), "a live writer's temp file stays");
  t.ok(existsSync(unmanaged), "a directory the catalog does not name is not looked at");
  t.ok(existsSync(lookalike), "a name without a writer's pid is not ours to remove");
  const said = (parseReport(run.stdout).logs ?? []).find((l) => l.message.startsWith("removed temp files left by killed runs"));
  t.match(said?.message, orphan, "the report names what was removed");
});
