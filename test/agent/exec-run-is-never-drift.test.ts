// An exec is never corrective drift: an unguarded one runs on every run, and
// one whose guard says run again has not found the host moved under it either.
// Its run is a change, so the node reads "changed", never "drifted".
import t from "tap";
import { join } from "node:path";
import { writeFile, rm } from "node:fs/promises";
import type { Resource } from "../../catalog/model.js";
import { reportStatusWords } from "../../proto/report-words.js";
import { eventFlags } from "../../server/report-status.js";
import { runStatus } from "../../server/status.js";
import type { ApplyOutcome } from "../../agent/engine/apply.js";
import { ReportStatus } from "../../proto/gen/ancla/v1/agent_pb.js";
import { apply, catalogOf, summary } from "./_helpers.js";

function exec(title: string, properties: Resource["properties"]): Resource {
  return { type: "exec", title, properties };
}

/** What the server makes of the run's report, as it does at ingest. */
function nodeStatusOf(outcome: ApplyOutcome): string {
  return runStatus({ status: reportStatusWords.word(outcome.status), noop: false, counts: outcome.counts, ...eventFlags(outcome.events) });
}

t.test("an unguarded exec runs every time as a change, never as corrective drift", async (t) => {
  const catalog = catalogOf([exec("always", { command: "true" })]);
  const first = await apply(catalog);
  const second = await apply(catalog, { memory: first.memory });
  t.same(summary(second), [{ resource: "exec:always", property: "returns", result: "changed", corrective: false }]);
  t.match(second.counts, { changed: 1, corrective: 0 });
  t.equal(second.status, ReportStatus.CHANGED);
  t.equal(nodeStatusOf(second), "changed", "the node is changed, not drifted");
});

t.test("an exec that runs again because its guard says so is not drift either", async (t) => {
  const dir = t.testdir({});
  const marker = join(dir, "done");
  const catalog = catalogOf([exec("make-marker", { command: `touch ${marker}`, creates: marker })]);
  const first = await apply(catalog);
  await rm(marker);
  const second = await apply(catalog, { memory: first.memory });
  t.same(summary(second), [{ resource: "exec:make-marker", property: "returns", result: "changed", corrective: false }]);
  t.equal(nodeStatusOf(second), "changed");
});

t.test("a file beside it that was edited by hand is still corrective", async (t) => {
  const dir = t.testdir({});
  const path = join(dir, "app.conf");
  const catalog = catalogOf([exec("always", { command: "true" }), { type: "file", title: path, properties: { content: "v1\n" } }]);
  const first = await apply(catalog);
  await writeFile(path, "by hand\n");
  const second = await apply(catalog, { memory: first.memory });
  t.same(
    summary(second).map((e) => [e.resource, e.corrective]),
    [
      ["exec:always", false],
      [`file:${path}`, true],
    ],
  );
  t.equal(nodeStatusOf(second), "drifted");
});
