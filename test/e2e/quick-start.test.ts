// The README's quick start: `npm start` runs the demo (here with
// ANCLA_DEMO_EXIT=1 so it stops after the demo, and a temp demo dir).
// Run twice: the second run reuses the data dir and the enrolled agent.
import t from "tap";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../helpers/processes.js";

function demo(dir: string) {
  return spawnSync(process.execPath, [join(ROOT, "dist/examples/demo.js")], {
    encoding: "utf8",
    env: { ...process.env, ANCLA_DEMO_EXIT: "1", ANCLA_DEMO_DIR: dir },
    timeout: 120_000,
  });
}

/** The file the demo edited by hand, from its narration. */
function editedFile(stdout: string): string {
  const m = /5\. Edited (\S+) by hand/.exec(stdout);
  if (!m) throw new Error(`the demo did not say which file it edited:\n${stdout}`);
  return m[1];
}

t.test("the quick start initialises, enrolls, converges and repairs drift", async (t) => {
  const dir = join(t.testdir(), "demo");
  // The demo's scratch tree (the example site's demo module) from an earlier
  // run would make the first run "unchanged"; start from nothing.
  rmSync("/var/tmp/ancla-demo/demo-01", { recursive: true, force: true });
  const first = demo(dir);
  t.equal(first.status, 0, first.stderr);
  t.match(first.stdout, /1\. Initialised the server data dir \S+ \(CA fingerprint SHA256(:[0-9A-F]{2}){32}\)/, "the whole fingerprint");
  t.match(first.stdout, /3\. Agent demo-01 bootstrapped/);
  t.match(first.stdout, /4\. First run: changed, [1-9]\d* resources changed/);
  t.match(first.stdout, /5\. Edited .* 1 corrective change/);
  t.notMatch(readFileSync(editedFile(first.stdout), "utf8"), /someone edited this by hand/, "the hand edit was repaired");
  t.match(first.stdout, /the dashboard: +https:\/\/localhost:\d+\/ /, "says where the dashboard is");
  t.match(first.stdout, /log in with the admin token in \S+\/admin\.token/, "and how to log in");
  t.ok(existsSync(join(dir, "server/ancla.db")), "the data dir is where it says");
  t.ok(existsSync(join(dir, "server/admin.token")), "the admin token is where it says");

  const second = demo(dir);
  t.equal(second.status, 0, second.stderr);
  t.match(second.stdout, /1\. Reusing/);
  t.match(second.stdout, /5\. Edited .* 1 corrective change/);
});
