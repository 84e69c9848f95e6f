import t from "tap";
import { EventResult, LogLevel, ReportStatus } from "../../proto/gen/ancla/v1/agent_pb.js";
import BetterSqlite3 from "better-sqlite3";
import { reportToJson } from "../../proto/report-words.js";
import { report, tempStore } from "./_helpers.js";

const received = new Date("2026-03-01T10:00:00Z");

t.test("a redelivered report (same run id) is stored once", async (t) => {
  const { store } = tempStore(t);
  const first = report({ runId: "run-1", certname: "web-01", status: ReportStatus.CHANGED, events: [{ resource: "file:/etc/motd", property: "content", result: EventResult.CHANGED }] });
  t.equal(await store.reports.saveReport(first, received), true, "first delivery stored");

  const again = report({
    runId: "run-1",
    certname: "web-01",
    status: ReportStatus.FAILED,
    events: [
      { resource: "x:y", result: EventResult.FAILED },
      { resource: "x:z", result: EventResult.FAILED },
    ],
  });
  t.equal(await store.reports.saveReport(again, new Date(received.getTime() + 60_000)), false, "redelivery reports not stored");

  const latest = await store.reports.latestReport("web-01");
  t.equal(latest?.status, ReportStatus.CHANGED, "the first delivery is what is kept");
  t.equal(latest?.events.length, 1, "no events of the redelivery were added");
  t.equal((await store.reports.latestReportSummary("web-01"))?.receivedAt.getTime(), received.getTime());
});

t.test("runs are ordered by the server's clock: an agent 2 days ahead does not keep the last run", async (t) => {
  const { store } = tempStore(t);
  const later = new Date(received.getTime() + 30 * 60_000);
  await store.reports.saveReport(report({ runId: "ahead", certname: "web-01", startedAt: new Date(received.getTime() + 2 * 86_400_000).toISOString() }), received);
  await store.reports.saveReport(report({ runId: "fixed", certname: "web-01", startedAt: later.toISOString() }), later);
  t.equal((await store.reports.latestReport("web-01"))?.runId, "fixed", "the run received last is the last run");
  t.match(await store.reports.latestReportSummary("web-01"), { runId: "fixed", receivedAt: later });
  t.same(
    (await store.reports.listReports({ certname: "web-01", limit: 10 })).reports.map((r) => r.runId),
    ["fixed", "ahead"],
    "and the newest in the list",
  );
  const ahead = await store.reports.getReportSummary("ahead", "web-01");
  t.equal(ahead?.startedAt.toISOString(), "2026-03-03T10:00:00.000Z", "the agent's start time is kept as it sent it");
});

t.test("a report round-trips through the store with its events and counts", async (t) => {
  const { store } = tempStore(t);
  const r = report({
    runId: "run-2",
    certname: "db-01",
    catalogSerial: 7n,
    counts: { total: 3, changed: 1, corrective: 1 },
    events: [{ resource: "file:/etc/hosts", property: "mode", desired: '"0644"', actual: '"0600"', result: EventResult.CHANGED, corrective: true, message: "mode fixed" }],
    logs: [{ level: LogLevel.INFO, message: "done" }],
  });
  await store.reports.saveReport(r, received);
  const back = await store.reports.latestReport("db-01");
  t.equal(back?.catalogSerial, 7n);
  t.same(back?.events[0], r.events[0]);
  t.equal(back?.logs[0].message, "done");
  const summary = await store.reports.latestReportSummary("db-01");
  t.equal(summary?.hasCorrective, true);
  t.same(summary?.counts, { total: 3, changed: 1, failed: 0, skipped: 0, corrective: 1 });
  t.equal((await store.nodes.getNode("db-01"))?.certname, "db-01", "a report makes the node known");
});

t.test("a report without run id is refused", async (t) => {
  const { store } = tempStore(t);
  await t.rejects(store.reports.saveReport(report({ runId: "", certname: "web-01" }), received), { code: "ANCLA_E_INVALID_ARGUMENT" });
});

t.test("catalogs: serials count up per node, the current one is the highest", async (t) => {
  const { store } = tempStore(t);
  t.equal(await store.catalogs.nextCatalogSerial("web-01"), 1);
  const base = { certname: "web-01", siteVersion: "v1", inputsKey: "k", compiledAt: received };
  await store.catalogs.saveCatalog({ ...base, serial: 1, digest: "a", envelope: new Uint8Array([1]) });
  await store.catalogs.saveCatalog({ ...base, serial: 2, digest: "b", envelope: new Uint8Array([2, 3]) });
  t.equal(await store.catalogs.nextCatalogSerial("web-01"), 3);
  t.equal(await store.catalogs.nextCatalogSerial("db-01"), 1, "serials are per node");
  const current = await store.catalogs.getCurrentCatalog("web-01");
  t.equal(current?.digest, "b");
  t.same([...(current?.envelope ?? [])], [2, 3]);
  await t.rejects(() => store.catalogs.saveCatalog({ ...base, serial: 2, digest: "c", envelope: new Uint8Array() }), { code: "ANCLA_E_INVALID_ARGUMENT" }, "a serial is never reused");
});

t.test("compile failures: the latest one per node, cleared on success", async (t) => {
  const { store } = tempStore(t);
  const problems = [{ file: "nodes.yaml", line: 3, column: 5, message: "unknown module" }];
  await store.catalogs.recordCompileFailure("web-01", "v1", problems, received);
  await store.catalogs.recordCompileFailure("web-01", "v2", problems, new Date(received.getTime() + 1));
  t.equal((await store.catalogs.getCompileFailure("web-01"))?.siteVersion, "v2");
  t.same((await store.catalogs.getCompileFailure("web-01"))?.problems, problems);
  await store.catalogs.clearCompileFailure("web-01");
  t.equal(await store.catalogs.getCompileFailure("web-01"), undefined);
});

t.test("check-ins: facts replace the stored ones only when sent", async (t) => {
  const { store } = tempStore(t);
  await store.nodes.recordCheckin("web-01", { kernel: "linux" }, received);
  await store.nodes.recordCheckin("web-01", undefined, new Date(received.getTime() + 5000));
  const node = await store.nodes.getNode("web-01");
  t.same(node?.facts, { kernel: "linux" });
  t.equal(node?.factsUpdatedAt?.getTime(), received.getTime());
  t.equal(node?.lastCheckinAt.getTime(), received.getTime() + 5000);
  t.equal(node?.firstCheckinAt.getTime(), received.getTime());
});

t.test("a report's events are kept once, in their table, and come back whole and in order", async (t) => {
  const { store, file } = tempStore(t);
  const count = 2_500;
  const events = Array.from({ length: count }, (_, i) => ({
    resource: `file:/etc/f${i}`,
    property: "content",
    result: i % 2 ? EventResult.CHANGED : EventResult.FAILED,
    message: `event ${i}`,
    diff: `-a${i}\n+b${i}\n`,
  }));
  t.equal(await store.reports.saveReport(report({ runId: "big", certname: "web-01", status: ReportStatus.FAILED, events }), received), true);
  const raw = new BetterSqlite3(file, { readonly: true });
  t.teardown(() => raw.close());
  const json = raw.prepare("SELECT report FROM reports WHERE run_id = 'big'").pluck().get() as string;
  t.notMatch(json, /event 1\b/, "the report's JSON does not hold the events again");
  t.equal(raw.prepare("SELECT COUNT(*) FROM events").pluck().get(), count, "each event is one row");
  const whole = await store.reports.getReport("big", "web-01");
  t.same(
    whole?.events.map((e) => [e.message, e.result, e.diff]),
    events.map((e) => [e.message, e.result, e.diff]),
    "read back whole, in the report's order",
  );
  t.equal((await store.reports.latestReport("web-01"))?.events.length, count, "the node's latest report too");
});

t.test("a report stored with its events in its JSON (before they were kept apart) reads the same", async (t) => {
  const { store, file } = tempStore(t);
  const events = [{ resource: "file:/etc/motd", property: "content", result: EventResult.CHANGED, message: "changed" }];
  await store.reports.saveReport(report({ runId: "old", certname: "web-01", status: ReportStatus.CHANGED }), received);
  const raw = new BetterSqlite3(file);
  t.teardown(() => raw.close());
  const asBefore = JSON.stringify(reportToJson(report({ runId: "old", certname: "web-01", status: ReportStatus.CHANGED, events })));
  raw.prepare("UPDATE reports SET report = ? WHERE run_id = 'old'").run(asBefore);
  t.same(
    (await store.reports.getReport("old", "web-01"))?.events.map((e) => e.message),
    ["changed"],
  );
});
