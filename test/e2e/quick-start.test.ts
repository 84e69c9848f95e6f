// The README's quick start: `npm start` runs the demo (here with
// ANCLA_DEMO_EXIT=1 so it stops after the demo, and a temp demo dir).
// Run twice: the second run reuses the data dir and the enrolled agent.
import t from "tap";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../helpers/processes.js";

function demo(dir: string) {
  return spawnSync(process.execPath, [join(ROOT, "dist/examples/demo.js")], {
    encoding: "utf8",
    env: { ...process.env, ANCLA_DEMO_EXIT: "1", ANCLA_DEMO_DIR: dir },
    timeout: 120_000,
  });
}

t.test("the quick start initialises, enrolls, converges and repairs drift", async (t) => {
  const dir = join(t.testdir(), "demo");
  const first = demo(dir);
  t.equal(first.status, 0, first.stderr);
  t.match(first.stdout, /1\. Initialised the server data dir/);
  t.match(first.stdout, /3\. Agent demo-01 bootstrapped/);
  t.match(first.stdout, /4\. First run: (changed|unchanged)/);
  t.match(first.stdout, /5\. Edited .* 1 corrective change/);
  t.ok(existsSync(join(dir, "server/ancla.db")), "the data dir is where it says");

  const second = demo(dir);
  t.equal(second.status, 0, second.stderr);
  t.match(second.stdout, /1\. Reusing/);
  t.match(second.stdout, /5\. Edited .* 1 corrective change/);
});
