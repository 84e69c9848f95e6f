// `ancla run NODE_GLOB` end to end: a real server, agents as daemons with a
// one-hour interval and no splay (so only Watch can make them run), real TLS
// on loopback. The matching connected daemons run within the --wait timeout
// and their results are printed; --noop gives noop runs that change nothing;
// a node without a daemon is "not connected"; a failed run is a non-zero exit;
// a daemon whose server restarts holds its Watch stream again and is nudged.
import t from "tap";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { enroll, startFleet, writeFilesSite, type Fleet } from "../helpers/fleet.js";
import { startDaemon, type Daemon } from "../helpers/daemons.js";
import { eventually } from "../server/_helpers.js";
import { workDir } from "../helpers/processes.js";

/** A site whose db-* nodes also get a command that always fails. */
function writeSite(site: string, managed: string): void {
  writeFilesSite(site, managed, 2);
  writeFileSync(join(site, "nodes.yaml"), 'nodes:\n  - match: "*"\n    modules: [files]\n  - match: "db-*"\n    modules: [broken]\n');
  const broken = join(site, "modules/broken");
  mkdirSync(broken);
  writeFileSync(join(broken, "module.yaml"), "resources:\n  - type: exec\n    title: /bin/false\n    unless: /bin/false\n");
}

/** `ancla run ...` against the fleet's server; --wait bounded so a test never waits the hour. */
const ancla = (fleet: Fleet, ...args: string[]) => fleet.ancla(["run", ...args]);

const watchConnections = (d: Daemon) =>
  d
    .stderr()
    .split("\n")
    .filter((l) => l.startsWith("watch: connected")).length;

t.test("ancla run over Watch", async (t) => {
  const base = workDir(t, { site: {}, managed: {} });
  writeSite(join(base, "site"), join(base, "managed"));
  const fleet = await startFleet(base, join(base, "site"));
  t.teardown(() => fleet.stop());
  const [web1, web2, db1, web3] = await Promise.all(["web-01", "web-02", "db-01", "web-03"].map(async (c) => enroll(fleet, base, c)));
  // web-03 is a known node (it ran once) with no daemon: nothing holds a stream for it.
  t.equal((await web3.run()).code, 2, "web-03 converges once, by hand");
  const daemons = [web1, web2, db1].map((a) => startDaemon(t, a, { runInterval: 3600 }));
  const [d1, d2, dDb] = daemons;
  await eventually("every daemon ran once and holds its Watch stream", () => daemons.every((d) => d.runs("server") === 1 && watchConnections(d) === 1));

  t.test("the matching connected daemons run, each result printed; the one without a daemon is not connected", async (t) => {
    const r = await ancla(fleet, "web-*", "--wait", "--timeout", "60s");
    t.equal(r.code, 0, `exit 0 (stderr: ${r.stderr})`);
    const lines = r.stdout.trim().split("\n").sort();
    t.equal(lines.length, 3, r.stdout);
    t.match(lines[0], /^web-01: unchanged, 0 changed, 0 failed, \d+\.\d s \(run \S+\)$/);
    t.match(lines[1], /^web-02: unchanged, 0 changed, 0 failed, \d+\.\d s \(run \S+\)$/);
    t.equal(lines[2], "web-03: not connected (runs at its next interval)");
    t.same([d1.runs(), d2.runs(), dDb.runs()], [2, 2, 1], "web-01 and web-02 ran once more, db-01 did not");
    t.match(d1.stderr(), /watch: run now, asked by ancla run by token:\S+ \(initial admin\) \(request [0-9a-f-]+\)/);
  });

  t.test("--noop gives noop runs: a hand edit is reported, not repaired", async (t) => {
    const file = join(base, "managed", "web-01", "f001.conf");
    writeFileSync(file, "edited by hand\n");
    const r = await ancla(fleet, "web-01", "--noop", "--wait", "--json");
    t.equal(r.code, 0, r.stderr);
    const answer = JSON.parse(r.stdout) as { nodes: { certname: string; connected: boolean; report: { noop: boolean; status: string; run_status: string } | null }[] };
    t.match(answer.nodes, [{ certname: "web-01", connected: true, report: { noop: true, status: "noop" } }]);
    t.equal(readFileSync(file, "utf8"), "edited by hand\n", "the noop run changed nothing");
    await eventually("the daemon reported the noop run", () => d1.runs() === 3);
  });

  t.test("a failed run is a non-zero exit, its node's line says failed", async (t) => {
    const r = await ancla(fleet, "db-*", "--wait", "--timeout", "60s");
    t.equal(r.code, 1, r.stdout);
    t.match(r.stdout, /^db-01: failed, 0 changed, 1 failed, /m);
  });

  t.test("a node without a daemon is not waited for; a glob matching nothing is an error", async (t) => {
    const r = await ancla(fleet, "web-03", "--wait");
    t.equal(r.code, 0);
    t.equal(r.stdout, "web-03: not connected (runs at its next interval)\n");
    const none = await ancla(fleet, "mail-*");
    t.not(none.code, 0);
    t.match(none.stderr, /ANCLA_E_NOT_FOUND: no node matches "mail-\*"/);
  });

  t.test("after a server restart the daemons hold Watch again and are nudged", async (t) => {
    await fleet.stop();
    await eventually("the daemons see the stream end", () => daemons.every((d) => /watch: not connected/.test(d.stderr())));
    await fleet.restart();
    await eventually("every daemon holds its Watch stream again", () => daemons.every((d) => watchConnections(d) === 2));
    const before = d2.runs();
    const r = await ancla(fleet, "web-02", "--wait", "--timeout", "60s");
    t.equal(r.code, 0, r.stderr);
    t.match(r.stdout, /^web-02: \w+, /);
    t.equal(d2.runs(), before + 1, "web-02 ran once more");
  });
});
