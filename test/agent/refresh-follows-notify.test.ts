import t from "tap";
import { join } from "node:path";
import type { Resource } from "../../catalog/model.js";
import type { Provider } from "../../agent/providers/provider.js";
import { providerFor } from "../../agent/providers/registry.js";
import { EventResult, ReportStatus } from "../../proto/gen/ancla/v1/agent_pb.js";
import { apply, catalogOf, file } from "./_helpers.js";

/** A stand-in service: always in sync, records refreshes. */
function fakeService(refreshed: string[], fail = false): Provider {
  return {
    async checkApply() {
      return { changes: [], applied: false };
    },
    async refresh(resource: Resource) {
      if (fail) throw new Error("restart failed");
      refreshed.push(resource.title);
      return undefined;
    },
  };
}

function catalogFor(root: string) {
  const svc: Resource = { type: "service", title: "web", properties: {} };
  return catalogOf(
    [file(join(root, "a"), { content: "a" }), file(join(root, "b"), { content: "b" }), svc],
    [
      { from: `file:${join(root, "a")}`, to: "service:web", kind: "notify" },
      { from: `file:${join(root, "b")}`, to: "service:web", kind: "notify" },
    ],
  );
}

t.test("a notified resource is refreshed once when its notifiers changed", async (t) => {
  const root = t.testdir({});
  const refreshed: string[] = [];
  const providers = (type: string) => (type === "service" ? fakeService(refreshed) : providerFor(type));
  const first = await apply(catalogFor(root), { providers });
  t.same(refreshed, ["web"], "two changed notifiers, one refresh");
  t.ok(first.logs.some((l) => l.message === `service:web: refreshed (notified by file:${join(root, "a")}, file:${join(root, "b")})`));

  await apply(catalogFor(root), { providers });
  t.same(refreshed, ["web"], "nothing changed, no refresh");
});

t.test("in noop the refresh is only logged", async (t) => {
  const root = t.testdir({});
  const refreshed: string[] = [];
  const outcome = await apply(catalogFor(root), { noop: true, providers: (type) => (type === "service" ? fakeService(refreshed) : providerFor(type)) });
  t.same(refreshed, []);
  t.ok(outcome.logs.some((l) => /^service:web: would refresh \(notified by .*, noop\)$/.test(l.message)));
});

t.test("a failed refresh fails the notified resource", async (t) => {
  const root = t.testdir({});
  const outcome = await apply(catalogFor(root), { providers: (type) => (type === "service" ? fakeService([], true) : providerFor(type)) });
  t.equal(outcome.status, ReportStatus.FAILED);
  t.match(outcome.events.at(-1), { resource: "service:web", property: "refresh", result: EventResult.FAILED, message: "refresh failed: restart failed" });
});
