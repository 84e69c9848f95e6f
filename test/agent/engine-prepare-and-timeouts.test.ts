// The engine's hooks for providers: one prepare per type with all its
// resources, a failed prepare fails that type only, every call under a
// timeout whose signal reaches the provider, timings in the log.
import t from "tap";
import type { Resource } from "../../catalog/model.js";
import type { Provider } from "../../agent/providers/provider.js";
import { providerFor } from "../../agent/providers/registry.js";
import { EventResult } from "../../proto/gen/ancla/v1/agent_pb.js";
import { eventResultWords } from "../../proto/report-words.js";
import { apply, catalogOf, file } from "./_helpers.js";

const thing = (title: string): Resource => ({ type: "thing", title, properties: {} });

t.test("prepare is called once per type, with every resource of it, before any checkApply", async (t) => {
  const seen: string[] = [];
  const run: Provider = {
    async checkApply(r) {
      seen.push(`check ${r.title}`);
      return { changes: [], applied: false };
    },
  };
  const thingProvider: Provider = {
    ...run,
    async prepare(resources) {
      seen.push(`prepare ${resources.map((r) => r.title).join(",")}`);
      return run;
    },
  };
  const dir = t.testdir({});
  const outcome = await apply(catalogOf([thing("a"), file(`${dir}/f`, { content: "x" }), thing("b")]), { providers: (type) => (type === "thing" ? thingProvider : providerFor(type)) });
  t.same(seen, ["prepare a,b", "check a", "check b"]);
  t.ok(outcome.logs.some((l) => /^thing: prepared 2 resources in [\d.]+ ms$/.test(l.message)));
  t.ok(
    outcome.logs.some((l) => /^thing:a: ok in [\d.]+ ms$/.test(l.message)),
    "per-resource timings",
  );
});

t.test("a failed prepare fails the resources of its type, and only those", async (t) => {
  const broken: Provider = {
    async checkApply() {
      throw new Error("unreachable");
    },
    async prepare() {
      throw new Error("dpkg database is locked");
    },
  };
  const dir = t.testdir({});
  const outcome = await apply(catalogOf([thing("a"), file(`${dir}/f`, { content: "x" })]), { providers: (type) => (type === "thing" ? broken : providerFor(type)) });
  t.same(
    outcome.events.map((e) => [e.resource, eventResultWords.word(e.result), e.message]),
    [
      ["thing:a", "failed", "preparing thing resources failed: dpkg database is locked"],
      [`file:${dir}/f`, "changed", ""],
    ],
  );
});

t.test("a provider call that outlives its timeout fails, and its signal is aborted", async (t) => {
  let aborted = false;
  const hangs: Provider = {
    checkApply: (_r, _apply, ctx) =>
      new Promise((_, reject) =>
        ctx.signal.addEventListener("abort", () => {
          aborted = true;
          reject(new Error("stopped"));
        }),
      ),
  };
  const started = Date.now();
  const outcome = await apply(catalogOf([thing("slow")]), { providers: () => hangs, defaultTimeoutSeconds: 1 });
  t.ok(Date.now() - started < 3000);
  t.ok(aborted);
  t.match(outcome.events[0], { resource: "thing:slow", result: EventResult.FAILED, message: "timed out after 1 s" });
});
