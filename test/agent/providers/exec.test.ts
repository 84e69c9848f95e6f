// exec with real processes in temp dirs: guards, refreshonly, output, failure, timeout, noop.
import t from "tap";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Resource } from "../../../catalog/model.js";
import { apply, catalogOf, file } from "../_helpers.js";
import { EventResult, ReportStatus } from "../../../proto/gen/ancla/v1/agent_pb.js";
import { eventResultWords } from "../../../proto/report-words.js";

function exec(title: string, properties: Resource["properties"] = {}, flags: Pick<Resource, "sensitive"> = {}): Resource {
  return { type: "exec", title, properties, ...flags };
}

t.test("creates: runs once, then the path exists and it is in sync", async (t) => {
  const dir = t.testdir({});
  const marker = join(dir, "done");
  const catalog = catalogOf([exec("make-marker", { command: `echo hello; touch ${marker}`, creates: marker })]);
  const first = await apply(catalog);
  t.equal(first.status, ReportStatus.CHANGED);
  t.match(first.events[0], { resource: "exec:make-marker", property: "returns", result: EventResult.CHANGED, actual: '"notrun"', desired: "0", message: "executed successfully: hello" });
  t.ok(existsSync(marker));
  const second = await apply(catalog);
  t.equal(second.status, ReportStatus.UNCHANGED);
  t.same(second.events, []);
});

t.test("unless and onlyif decide by exit status; environment and cwd reach the command", async (t) => {
  const dir = t.testdir({ here: {} });
  const out = join(dir, "out");
  const catalog = catalogOf([
    exec("skipped-by-unless", { command: `touch ${join(dir, "u")}`, unless: "true" }),
    exec("skipped-by-onlyif", { command: `touch ${join(dir, "o")}`, onlyif: "false" }),
    exec("runs", { command: `echo "$GREETING $(pwd)" > ${out}`, onlyif: "test -d .", unless: "false", environment: { GREETING: "hi" }, cwd: join(dir, "here") }),
  ]);
  const outcome = await apply(catalog);
  t.same(
    outcome.events.map((e) => e.resource),
    ["exec:runs"],
  );
  t.notOk(existsSync(join(dir, "u")));
  t.notOk(existsSync(join(dir, "o")));
  t.equal(readFileSync(out, "utf8"), `hi ${join(dir, "here")}\n`);
});

t.test("a non-zero exit fails the resource with the tail of its output, and skips dependents", async (t) => {
  const dir = t.testdir({});
  const catalog = catalogOf(
    [exec("broken", { command: "echo some context; echo the error >&2; exit 3" }), file(join(dir, "after"), { content: "x" })],
    [{ from: "exec:broken", to: `file:${join(dir, "after")}`, kind: "require" }],
  );
  const outcome = await apply(catalog);
  t.equal(outcome.status, ReportStatus.FAILED);
  t.match(outcome.events[0], {
    resource: "exec:broken",
    property: "returns",
    result: EventResult.FAILED,
    message: "echo some context; echo the error >&2; exit 3 exited with 3: some context\nthe error",
  });
  t.equal(outcome.events[1].result, EventResult.SKIPPED);
});

t.test("a sensitive exec keeps its output out of the report", async (t) => {
  const outcome = await apply(catalogOf([exec("secret", { command: "echo hunter2" }, { sensitive: true }), exec("secret-fail", { command: "echo hunter2; exit 1" }, { sensitive: true })]));
  t.notMatch(JSON.stringify(outcome.events.map((e) => e.message)), /hunter2/);
  t.notMatch(outcome.logs.map((l) => l.message).join("\n"), /hunter2/);
});

t.test("output kept in the report is bounded to its last 4 KiB", async (t) => {
  const outcome = await apply(catalogOf([exec("chatty", { command: "seq 1 20000; echo last-line" })]));
  const message = outcome.events[0].message;
  t.ok(message.length < 4200, `message is ${message.length} chars`);
  t.match(message, /^executed successfully: \[…\]\n/);
  t.match(message, /last-line$/);
});

t.test("timeout: the command's process group is killed and the resource fails", async (t) => {
  const dir = t.testdir({});
  const childPid = join(dir, "child.pid");
  const outcome = await apply(catalogOf([exec("slow", { command: `sleep 30 & echo $! > ${childPid}; sleep 30`, timeout: 1 })]));
  t.match(outcome.events[0], { resource: "exec:slow", result: EventResult.FAILED, message: "timed out after 1 s" });
  // The background child is in the command's process group: it must be gone, not left to finish.
  const pid = Number(readFileSync(childPid, "utf8"));
  t.ok(pid > 0, "the command started its background child");
  t.ok(await gone(pid), `the background child ${pid} died with its group`);
});

/** Whether `pid` is dead within a few seconds: gone, or a zombie (dead, waiting for a reaper that may be slow). */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      return true;
    }
    if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

t.test("refreshonly runs only when notified, once, and its output is a refresh event", async (t) => {
  const dir = t.testdir({});
  const count = join(dir, "count");
  const conf = join(dir, "app.conf");
  const catalogFor = (content: string) =>
    catalogOf([file(conf, { content }), exec("reload", { command: `echo run >> ${count}; echo reloaded`, refreshonly: true })], [{ from: `file:${conf}`, to: "exec:reload", kind: "notify" }]);
  const first = await apply(catalogFor("v1"));
  t.equal(readFileSync(count, "utf8"), "run\n");
  t.match(first.events.at(-1), { resource: "exec:reload", property: "refresh", result: EventResult.CHANGED, message: `executed successfully: reloaded (notified by file:${conf})` });
  t.equal(first.counts.changed, 2);
  await apply(catalogFor("v1"));
  t.equal(readFileSync(count, "utf8"), "run\n", "not notified, not run");
  await apply(catalogFor("v2"));
  t.equal(readFileSync(count, "utf8"), "run\nrun\n");
});

t.test("noop runs guards (as Puppet does) but never the command", async (t) => {
  const dir = t.testdir({});
  const guardRan = join(dir, "guard-ran");
  const outcome = await apply(catalogOf([exec("would-run", { command: `touch ${join(dir, "cmd-ran")}`, unless: `touch ${guardRan}; false` })]), { noop: true });
  t.equal(outcome.status, ReportStatus.NOOP);
  t.match(outcome.events[0], { result: EventResult.NOOP, property: "returns" });
  t.ok(existsSync(guardRan), "the guard ran");
  t.notOk(existsSync(join(dir, "cmd-ran")), "the command did not");
});

t.test("in noop, a guard whose cwd or user does not exist yet is unknown; in a real run it fails", async (t) => {
  const dir = t.testdir({});
  const catalog = catalogOf([
    exec("in-missing-dir", { command: "true", unless: "false", cwd: join(dir, "not-yet") }),
    exec("as-missing-user", { command: "true", onlyif: "true", user: "no-such-user-here" }),
  ]);
  const noop = await apply(catalog, { noop: true });
  t.same(
    noop.events.map((e) => eventResultWords.word(e.result)),
    ["unknown", "unknown"],
  );
  t.match(noop.events[0].message, /cwd .*not-yet is not a directory/);
  t.match(noop.events[1].message, /no user named "no-such-user-here"/);
  const real = await apply(catalog);
  t.same(
    real.events.map((e) => eventResultWords.word(e.result)),
    ["failed", "failed"],
  );
});
