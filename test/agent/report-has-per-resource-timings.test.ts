// Report.timings: the wall time of every evaluated resource (check, apply and
// refresh), listed in catalog order whatever order they were applied in.
import t from "tap";
import { setTimeout as sleep } from "node:timers/promises";
import type { Resource } from "../../catalog/model.js";
import type { Provider } from "../../agent/providers/provider.js";
import { providerFor } from "../../agent/providers/registry.js";
import { buildReport } from "../../agent/run/report.js";
import { eventResultWords } from "../../proto/report-words.js";
import { apply, catalogOf, file } from "./_helpers.js";

const slow = (title: string): Resource => ({ type: "slow", title, properties: {} });
const slowProvider: Provider = {
  async checkApply() {
    await sleep(30);
    return { changes: [], applied: false };
  },
};

t.test("every resource, failed and skipped ones too, has a timing, in catalog order", async (t) => {
  const dir = t.testdir({});
  // b is applied first (a requires it); a missing parent makes c fail and d, which requires it, skip.
  const catalog = catalogOf(
    [slow("a"), slow("b"), file(`${dir}/missing/c`, { content: "x" }), file(`${dir}/d`, { content: "y" })],
    [
      { from: "slow:b", to: "slow:a", kind: "require" },
      { from: `file:${dir}/missing/c`, to: `file:${dir}/d`, kind: "require" },
    ],
  );
  const outcome = await apply(catalog, { providers: (type) => (type === "slow" ? slowProvider : providerFor(type)) });
  t.same(
    outcome.events.map((e) => eventResultWords.word(e.result)),
    ["failed", "skipped"],
  );
  t.same(
    outcome.timings.map((x) => x.resource),
    ["slow:a", "slow:b", `file:${dir}/missing/c`, `file:${dir}/d`],
  );
  for (const timing of outcome.timings.slice(0, 2)) t.ok(timing.durationMs >= 25, `${timing.resource} took its 30 ms sleep (${timing.durationMs} ms)`);

  const report = buildReport({ certname: "test-node", started: new Date(), noop: false, catalog, source: "file", outcome, logs: [] });
  t.same(report.timings, outcome.timings, "the report carries them");
});

t.test("a run without a catalog reports no timings", async (t) => {
  t.same(buildReport({ certname: "n", started: new Date(), noop: false, source: "none", logs: [] }).timings, []);
});
