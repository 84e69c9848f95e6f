import t from "tap";
import { create } from "@bufbuild/protobuf";
import { readdir, readFile, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { EventResult, EventSchema, LogLevel, ReportSchema, ReportStatus } from "../../proto/gen/ancla/v1/agent_pb.js";
import { stateLayout } from "../../agent/state/layout.js";
import { enqueueReport, forgetLostReports, listQueuedReports, lostReports, markReportLost, removeQueuedReport } from "../../agent/state/report-queue.js";

const report = (runId: string, startedAt: string) =>
  create(ReportSchema, {
    runId,
    certname: "web-01",
    startedAt,
    status: ReportStatus.CHANGED,
    events: [create(EventSchema, { resource: "file:/x", property: "content", desired: '"a"', actual: '"b"', result: EventResult.CHANGED })],
  });

t.test("queued reports round-trip, oldest first, and are removed by run id", async (t) => {
  const layout = stateLayout(t.testdir({}));
  t.same(await listQueuedReports(layout), [], "an absent queue is empty");
  await enqueueReport(layout, report("run-b", "2024-01-01T00:00:02Z"));
  await enqueueReport(layout, report("run-a", "2024-01-01T00:00:01Z"));
  await enqueueReport(layout, report("run-c", "2024-01-01T00:00:03Z"));

  const queued = await listQueuedReports(layout);
  t.same(
    queued.map((q) => q.runId),
    ["run-a", "run-b", "run-c"],
  );
  t.same(queued[1].report, report("run-b", "2024-01-01T00:00:02Z"));

  await removeQueuedReport(layout, "run-a");
  await removeQueuedReport(layout, "run-a"); // delivering twice is harmless
  t.same(
    (await listQueuedReports(layout)).map((q) => q.runId),
    ["run-b", "run-c"],
  );
  t.same((await readdir(layout.reportsDir)).sort(), ["run-b.json", "run-c.json"], "no temp files left");
});

t.test("a corrupt queued report is moved aside to reports/bad, not lost", async (t) => {
  const layout = stateLayout(t.testdir({}));
  await enqueueReport(layout, report("good", "2024-01-01T00:00:00Z"));
  await writeFile(join(layout.reportsDir, "broken.json"), "{ not json");
  await writeFile(join(layout.reportsDir, "renamed.json"), await readFile(join(layout.reportsDir, "good.json")));

  t.same(
    (await listQueuedReports(layout)).map((q) => q.runId),
    ["good"],
  );
  t.same((await readdir(layout.badReportsDir)).sort(), ["broken.json", "renamed.json"]);
  t.equal(await readFile(join(layout.badReportsDir, "broken.json"), "utf8"), "{ not json");
});

t.test('a report queued before the enums (words, "err") is read, not moved aside; the queue keeps writing words', async (t) => {
  const layout = stateLayout(t.testdir({}));
  await enqueueReport(layout, report("new", "2024-01-01T00:00:02Z"));
  t.match(JSON.parse(await readFile(join(layout.reportsDir, "new.json"), "utf8")), { status: "changed", events: [{ result: "changed" }] });
  const old = { runId: "old", startedAt: "2024-01-01T00:00:01Z", status: "failed", logs: [{ level: "err", message: "cannot save the drift memory" }] };
  await writeFile(join(layout.reportsDir, "old.json"), JSON.stringify(old));
  const queued = await listQueuedReports(layout);
  t.same(
    queued.map((q) => q.runId),
    ["old", "new"],
  );
  t.equal(queued[0].report.status, ReportStatus.FAILED);
  t.equal(queued[0].report.logs[0].level, LogLevel.ERROR);
});

t.test("a run id that is not a plain file name is refused", async (t) => {
  const layout = stateLayout(t.testdir({}));
  await t.rejects(enqueueReport(layout, report("../escape", "")), { code: "ANCLA_E_INVALID_ARGUMENT" });
});

t.test("the queue keeps only the newest reports beyond its bound", async (t) => {
  const layout = stateLayout(t.testdir({}));
  for (const n of [1, 2, 3, 4, 5]) await enqueueReport(layout, report(`run-${n}`, `2024-01-01T00:00:0${n}Z`), 3);
  t.same(
    (await listQueuedReports(layout)).map((q) => q.runId),
    ["run-3", "run-4", "run-5"],
  );
});

t.test("trimming drops the oldest by the runs' start time, as listing orders them, whatever the file times", async (t) => {
  const layout = stateLayout(t.testdir({}));
  // The newest run's file is the oldest on disk (queued, then the clock or a restore moved file times).
  await enqueueReport(layout, report("run-5", "2024-01-01T00:00:05Z"));
  const longAgo = new Date("2020-01-01T00:00:00Z");
  await utimes(join(layout.reportsDir, "run-5.json"), longAgo, longAgo);
  for (const n of [1, 2, 3, 4]) await enqueueReport(layout, report(`run-${n}`, `2024-01-01T00:00:0${n}Z`), 3);
  t.same(
    (await listQueuedReports(layout)).map((q) => q.runId),
    ["run-3", "run-4", "run-5"],
    "the newest run stays; the oldest runs went",
  );
});

t.test("a lost report is noted by run id until forgotten", async (t) => {
  const layout = stateLayout(t.testdir({}));
  t.same(await lostReports(layout), []);
  await markReportLost(layout, "run-a");
  const lost = await lostReports(layout);
  t.same(
    lost.map((l) => l.runId),
    ["run-a"],
  );
  t.same(await listQueuedReports(layout), [], "a note is not a queued report");
  await forgetLostReports(layout, lost);
  t.same(await lostReports(layout), []);
});
