// The service provider's systemctl layer with a stand-in systemctl: one
// `show` for all units, the verbs each change needs, daemon-reload after a unit
// file changed, restart on refresh, and "unknown" where systemd is not running.
import t from "tap";
import type { Resource } from "../../../catalog/model.js";
import type { CommandResult, CommandRunner } from "../../../agent/providers/command.js";
import type { Provider } from "../../../agent/providers/provider.js";
import { createServiceProvider } from "../../../agent/providers/service.js";
import { apply, catalogOf } from "../_helpers.js";
import { EventResult, ReportStatus } from "../../../proto/gen/ancla/v1/agent_pb.js";
import { eventResultWords } from "../../../proto/report-words.js";

type Units = Record<string, { load?: string; active: string; file: string }>;

/** systemctl over a table of units; start/stop/enable/disable edit the table like systemd would. */
function fakeSystemctl(units: Units) {
  const calls: string[] = [];
  const ok = (stdout = "", code = 0): CommandResult => ({ code, signal: null, stdout, output: stdout });
  const run: CommandRunner = async (argv) => {
    const [, verb, ...rest] = argv;
    const names = rest.filter((a) => !a.startsWith("-"));
    calls.push([verb, ...names].join(" "));
    const u = units[names[0]];
    switch (verb) {
      case "show":
        return ok(
          names.map((n) => `LoadState=${units[n]?.load ?? (units[n] ? "loaded" : "not-found")}\nActiveState=${units[n]?.active ?? "inactive"}\nUnitFileState=${units[n]?.file ?? ""}`).join("\n\n") +
            "\n",
        );
      case "is-enabled":
        return u ? ok(`${u.file}\n`, u.file === "enabled" ? 0 : 1) : ok("", 1);
      case "start":
      case "restart":
        u.active = "active";
        return ok();
      case "stop":
        u.active = "inactive";
        return ok();
      case "enable":
      case "disable":
      case "unmask":
        u.file = verb === "unmask" ? "disabled" : `${verb}d`;
        return ok();
      default:
        return ok();
    }
  };
  return { run, calls };
}

const svc = (title: string, properties: Resource["properties"]): Resource => ({ type: "service", title, properties });

function providersWith(service: Provider) {
  return (type: string) => (type === "service" ? service : undefined);
}

t.test("one systemctl show for every service, then only the verbs that fix what differs", async (t) => {
  const units: Units = {
    web: { active: "inactive", file: "disabled" },
    db: { active: "active", file: "enabled" },
    old: { active: "active", file: "masked" },
    cron: { active: "failed", file: "static" },
  };
  const { run, calls } = fakeSystemctl(units);
  const providers = providersWith(createServiceProvider({ run, booted: () => true }));
  const catalog = catalogOf([
    svc("web", { ensure: "running", enable: true }),
    svc("db", { ensure: "running", enable: true }),
    svc("old", { ensure: "stopped", enable: false }),
    svc("cron", { ensure: "stopped", enable: true }),
  ]);

  const noop = await apply(catalog, { providers, noop: true });
  t.same(calls, ["show web db old cron"], "noop: one query, no verbs");
  t.same(
    noop.events.map((e) => [e.resource, e.property, e.actual, eventResultWords.word(e.result)]),
    [
      ["service:web", "enable", '"disabled"', "noop"],
      ["service:web", "ensure", '"stopped"', "noop"],
      ["service:old", "ensure", '"running"', "noop"],
    ],
  );

  calls.length = 0;
  const real = await apply(catalog, { providers });
  t.equal(real.status, ReportStatus.CHANGED);
  // Starting web may start what it pulls in: after any change, later units are asked again.
  t.same(calls, ["show web db old cron", "enable web", "start web", "show db", "show old", "stop old", "show cron"]);
  t.same(await apply(catalog, { providers }).then((o) => o.events), [], "then in sync");
});

t.test("enable on a masked unit unmasks it first", async (t) => {
  const { run, calls } = fakeSystemctl({ old: { active: "inactive", file: "masked" } });
  await apply(catalogOf([svc("old", { enable: true })]), { providers: providersWith(createServiceProvider({ run, booted: () => true })) });
  t.same(calls, ["show old", "unmask old", "enable old"]);
});

t.test("a changed unit file triggers one daemon-reload before the next service", async (t) => {
  const { run, calls } = fakeSystemctl({ app: { active: "inactive", file: "enabled" } });
  const service = createServiceProvider({ run, booted: () => true });
  const unitFile: Resource = { type: "file", title: "/etc/systemd/system/app.service", properties: {} };
  const changesFile: Provider = {
    async checkApply() {
      return { changes: [{ property: "content", desired: "a", actual: "b" }], applied: true };
    },
  };
  await apply(catalogOf([unitFile, svc("app", { ensure: "running" })]), { providers: (type) => (type === "service" ? service : changesFile) });
  t.same(calls, ["show app", "daemon-reload", "show app", "start app"]);
});

t.test("refresh restarts a running service, but not one just started", async (t) => {
  const units: Units = { web: { active: "active", file: "enabled" }, api: { active: "inactive", file: "enabled" } };
  const { run, calls } = fakeSystemctl(units);
  const service = createServiceProvider({ run, booted: () => true });
  const notifier: Provider = {
    async checkApply() {
      return { changes: [{ property: "content", desired: "a", actual: "b" }], applied: true };
    },
  };
  const catalog = catalogOf(
    [{ type: "file", title: "/etc/app.conf", properties: {} }, svc("web", {}), svc("api", { ensure: "running" })],
    [
      { from: "file:/etc/app.conf", to: "service:web", kind: "notify" },
      { from: "file:/etc/app.conf", to: "service:api", kind: "notify" },
    ],
  );
  const outcome = await apply(catalog, { providers: (type) => (type === "service" ? service : notifier) });
  t.ok(calls.includes("restart web"));
  t.notOk(calls.includes("restart api"));
  t.same(
    outcome.events.filter((e) => e.property === "refresh").map((e) => [e.resource, e.message]),
    [
      ["service:web", "restarted (notified by file:/etc/app.conf)"],
      ["service:api", "not restarted: started in this run (notified by file:/etc/app.conf)"],
    ],
  );
});

t.test("without systemd: enable is managed offline, ensure and refresh are unknown", async (t) => {
  const { run, calls } = fakeSystemctl({ web: { active: "inactive", file: "disabled" } });
  const service = createServiceProvider({ run, booted: () => false });
  const outcome = await apply(catalogOf([svc("web", { ensure: "running", enable: true })]), { providers: providersWith(service) });
  t.same(calls, ["is-enabled web", "enable web"]);
  t.same(
    outcome.events.map((e) => [e.property, eventResultWords.word(e.result)]),
    [
      ["ensure", "unknown"],
      ["enable", "changed"],
    ],
  );
  t.match(outcome.events[0].message, /systemd is not running here/);
  t.equal(outcome.status, ReportStatus.CHANGED);
  const refresh = await service.prepare!([], { noop: false, changed: [], signal: new AbortController().signal, mayApplyNow: () => true, fetchContent: async () => new Uint8Array() });
  t.same(await refresh.refresh!(svc("web", {}), { noop: false, changed: [], signal: new AbortController().signal, mayApplyNow: () => true, fetchContent: async () => new Uint8Array() }), {
    unknown: true,
    message: "cannot restart web: systemd is not running here",
  });
});

t.test("a unit that does not exist: unknown in noop (a package may bring it), a failure for real", async (t) => {
  const { run } = fakeSystemctl({});
  const providers = providersWith(createServiceProvider({ run, booted: () => true }));
  const catalog = catalogOf([svc("nginx", { ensure: "running" })]);
  t.same(
    (await apply(catalog, { providers, noop: true })).events.map((e) => eventResultWords.word(e.result)),
    ["unknown"],
  );
  const real = await apply(catalog, { providers });
  t.match(real.events[0], { result: EventResult.FAILED, message: /systemd has no unit named nginx/ });
});
