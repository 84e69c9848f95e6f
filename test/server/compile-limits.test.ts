// Attack: a site that loops or balloons for some nodes. Each such compile ends
// at its time or memory limit with a site problem at the node, on a worker
// thread: the server's API and every other node's check-in go on meanwhile,
// a node whose compile waits behind them is answered with its last good
// catalog, and the server carries on compiling once the site is mended.
import t from "tap";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SimAgent } from "../../bench/sim-agents.js";
import { eventually } from "./_helpers.js";
import { debianFacts, startRealServer } from "./_server.js";

/** `depth` CEL maps, each over ten numbers, in one another. */
const nest = (depth: number): string => `[${Array.from({ length: 10 }, (_, i) => i).join(", ")}].map(a${depth}, ${depth === 1 ? "a1" : nest(depth - 1)})`;

/** The files site for web-*; `loop-*` and `mem-*` get the attack modules. */
function writeAttackSite(site: string): void {
  mkdirSync(join(site, "modules/loop/templates"), { recursive: true });
  mkdirSync(join(site, "modules/mem"), { recursive: true });
  writeFileSync(join(site, "nodes.yaml"), 'nodes:\n  - match: "web-*"\n    modules: [files]\n  - match: "loop-*"\n    modules: [loop]\n  - match: "mem-*"\n    modules: [mem]\n');
  // 10^10 iterations of nothing: only the clock stops it.
  writeFileSync(join(site, "modules/loop/templates/spin.liquid"), "{% for a in (1..100000) %}{% for b in (1..100000) %}{% endfor %}{% endfor %}\n");
  writeFileSync(join(site, "modules/loop/module.yaml"), "resources:\n  - type: file\n    title: /etc/spin\n    template: spin.liquid\n");
  // Nine nested CEL maps: 10^9 values, far past any heap.
  writeFileSync(join(site, "modules/mem/module.yaml"), `resources:\n  - type: file\n    title: /etc/mem\n    content: "\${string(${nest(9)}.size())}"\n`);
}

async function checkin(agent: SimAgent, haveDigest = ""): Promise<{ ms: number; digest: string; notModified: boolean; error?: string }> {
  const started = performance.now();
  try {
    const res = await agent.client.getCatalog({ facts: debianFacts(), haveDigest });
    return { ms: performance.now() - started, digest: res.digest, notModified: res.result.case === "notModified" };
  } catch (err) {
    return { ms: performance.now() - started, digest: "", notModified: false, error: (err as Error).message };
  }
}

t.test("a looping or ballooning compile ends at its limit and freezes nothing", async (t) => {
  const server = await startRealServer(t, { limits: { compileTimeoutMs: 3000, compileMemoryMb: 96, compileWorkers: 2 } });
  const [web, loop, mem] = await server.agents(["web-1", "loop-1", "mem-1"]);
  const good = await checkin(web);
  t.notOk(good.error, `web-1 compiles before the attack ${good.error}`);
  await checkin(loop);
  await checkin(mem);

  writeAttackSite(server.site);
  // Both workers busy with the attack for up to 3 s each.
  const attacks = [checkin(loop), checkin(mem)];
  await eventually("both compile workers run the attack", async () => {
    const metrics = (await server.api("GET", "/metrics")).body as string;
    return /^ancla_compile_workers_busy 2$/m.test(metrics) || undefined;
  });
  const nodes = await server.api("GET", "/api/v1/nodes");
  t.equal(nodes.status, 200, "the API answers while the attack compiles");

  // web-1's own compile waits behind the attack: it is answered with the catalog it holds.
  const waiting = await checkin(web, good.digest);
  t.notOk(waiting.error, "web-1 is answered");
  t.ok(waiting.notModified && waiting.digest === good.digest, "with its last good catalog");
  // The loop can only end at the 3 s clock; the balloon may already have met its memory limit.
  const during = (await server.api("GET", "/api/v1/compile-failures")).body as { failures: { certname: string }[] };
  t.notOk(
    during.failures.some((f) => f.certname === "loop-1"),
    "web-1 was answered while the loop still compiled",
  );

  // They held catalogs too, so they are answered with those while their compiles run on;
  // a balloon that met its limit within the wait is refused with that problem instead.
  const [loopAnswer, memAnswer] = await Promise.all(attacks);
  t.notOk(loopAnswer.error, "the looping node is answered with its last good catalog");
  if (memAnswer.error) t.match(memAnswer.error, /ANCLA_E_COMPILE: .*exceeded/, "the ballooning node is refused with its limit");
  else t.ok(memAnswer.digest, "the ballooning node is answered with its last good catalog");
  type Failure = { certname: string; problems: { file: string; line: number; message: string }[] };
  const failures = await eventually("both attacking nodes are listed as compile failures", async () => {
    const res = await server.api("GET", "/api/v1/compile-failures");
    const listed = (res.body as { failures: Failure[] }).failures;
    return listed.length === 2 ? listed : undefined;
  });
  const problem = (certname: string) => failures.find((f) => f.certname === certname)?.problems;
  t.match(
    problem("loop-1"),
    [{ file: "nodes.yaml", line: 1, message: /^compiling node loop-1 exceeded 3 s \(compile_timeout_seconds\)/ }],
    "the loop ends at the time limit, a site problem of the node",
  );
  t.match(problem("mem-1"), [{ file: "nodes.yaml", message: /^compiling node mem-1 exceeded (96 MB of memory \(compile_memory_mb\)|3 s \(compile_timeout_seconds\))/ }], "the balloon ends at a limit");
  t.comment(`mem-1: ${problem("mem-1")?.[0]?.message.slice(0, 60)}`);
  const refused = await checkin(loop);
  t.match(refused.error, /FAILED_PRECONDITION: ANCLA_E_COMPILE: .*exceeded 3 s/, "the node's next check-in is refused with the problem, so the agent keeps its cached catalog");
  const load = (await server.api("GET", "/metrics")).body as string;
  t.match(load, /^ancla_compile_workers_busy 0$/m, "without compiling the same inputs again");

  // The compile web-1 waited for finishes once a worker is free: a later check-in has the new site's catalog.
  const after = await eventually("web-1 gets a new catalog", async () => {
    const res = await checkin(web, good.digest);
    return res.error || res.notModified ? undefined : res;
  });
  t.not(after.digest, good.digest, "web-1 then gets the catalog of the new site");

  // Mended: the pool replaced the ended workers and compiles the node again.
  writeFileSync(join(server.site, "nodes.yaml"), 'nodes:\n  - match: "*"\n    modules: [files]\n');
  const mended = await checkin(loop);
  t.notOk(mended.error, "loop-1 compiles once the site is mended");
});
