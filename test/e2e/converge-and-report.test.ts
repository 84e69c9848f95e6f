// The whole flow with real processes on loopback: init, start, token,
// bootstrap, converge 50 files, idempotence, drift repaired and reported as
// corrective, a site edit reported as intentional, the server away (cached
// catalog converges, the queued report arrives after restart).
import t from "tap";
import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { enroll, parseReport, startFleet, writeFilesSite } from "../helpers/fleet.js";
import { workDir } from "../helpers/processes.js";

const parse = parseReport;

t.test("an agent converges a site, stays idempotent, and reports drift and intent", async (t) => {
  const base = workDir(t, { site: {}, managed: {} });
  const site = join(base, "site");
  const root = join(base, "managed");
  writeFilesSite(site, root, 49);
  const fleet = await startFleet(base, site);
  t.teardown(() => fleet.stop());
  const agent = await enroll(fleet, base, "web-01");
  const dir = join(root, "web-01");
  const file = (n: number) => join(dir, `f${String(n).padStart(3, "0")}.conf`);

  const first = await agent.run();
  t.equal(first.code, 2, `first run changes things (stderr: ${first.stderr})`);
  const r1 = parse(first.stdout);
  t.equal(r1.counts?.total, 50);
  t.equal(r1.counts?.changed, 50, "50 resources changed");
  t.equal(readdirSync(dir).length, 49, "49 files in the managed directory");
  t.equal(readFileSync(file(7), "utf8"), "# f007.conf v1 for web-01\n");
  t.equal(statSync(file(7)).mode & 0o777, 0o644);
  t.equal(statSync(dir).mode & 0o777, 0o755);

  const second = await agent.run();
  t.equal(second.code, 0, "second run changes nothing");
  t.same(parse(second.stdout).events ?? [], [], "no events");
  t.equal(parse(second.stdout).catalogSource, "server");

  writeFileSync(file(3), "edited by hand\n");
  chmodSync(file(3), 0o600);
  const repaired = await agent.run();
  t.equal(repaired.code, 2, "drift is repaired");
  const r3 = parse(repaired.stdout);
  t.ok(r3.events?.length, "events for the drifted file");
  t.ok(
    r3.events?.every((e) => e.resource === `file:${file(3)}` && e.corrective === true),
    "every event is corrective and about f003",
  );
  t.equal(readFileSync(file(3), "utf8"), "# f003.conf v1 for web-01\n");
  t.equal(statSync(file(3)).mode & 0o777, 0o644);

  const shown = await fleet.ancla(["report", "show", "web-01", "--json"]);
  t.equal(shown.code, 0, shown.stderr);
  const onServer = parse(shown.stdout);
  t.equal(onServer.runId, r3.runId, "the server holds the latest report");
  t.ok(
    onServer.events?.some((e) => e.corrective === true),
    "the server sees it as corrective",
  );

  writeFilesSite(site, root, 49, "v2");
  const noop = await agent.run(["--noop"]);
  t.equal(noop.code, 0, "a noop run changes nothing, so it exits 0");
  const rn = parse(noop.stdout);
  t.equal(rn.status, "noop", "pending changes are reported");
  t.equal(rn.events?.filter((e) => e.result === "noop").length, 49, "one noop event per file that would change");
  t.equal(readFileSync(file(1), "utf8"), "# f001.conf v1 for web-01\n", "the file is untouched");

  const intended = await agent.run();
  t.equal(intended.code, 2, "a site edit changes the files");
  const r4 = parse(intended.stdout);
  t.equal(r4.counts?.changed, 49);
  t.ok(
    r4.events?.every((e) => !e.corrective),
    "site edits are intentional, not drift",
  );
  t.equal(readFileSync(file(1), "utf8"), "# f001.conf v2 for web-01\n");

  t.equal(await fleet.stop(), 0, "the server stops gracefully on SIGTERM");
  writeFileSync(file(5), "drift while the server is away\n");
  const offline = await agent.run();
  t.equal(offline.code, 2, `the cached catalog still converges (stderr: ${offline.stderr})`);
  const r5 = parse(offline.stdout);
  t.equal(r5.catalogSource, "cache");
  t.ok(
    r5.logs?.some((l) => l.code === "ANCLA_E_SERVER_UNREACHABLE"),
    "the report says the server was away",
  );
  t.equal(readFileSync(file(5), "utf8"), "# f005.conf v2 for web-01\n");
  t.equal(readdirSync(join(agent.stateDir, "reports")).filter((f) => f.endsWith(".json")).length, 1, "the report waits in the queue");

  await fleet.restart();
  const back = await agent.run();
  t.equal(back.code, 0, "nothing to change once the server is back");
  t.equal(readdirSync(join(agent.stateDir, "reports")).filter((f) => f.endsWith(".json")).length, 0, "the queue is delivered");
  const nodes = await fleet.ancla(["nodes", "--json"]);
  t.equal(nodes.code, 0, nodes.stderr);
  t.match(nodes.stdout, /web-01/);
});
