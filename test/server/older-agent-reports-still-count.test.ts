// An agent from before the report enums sends its status, event results and
// log levels as words in the fields that held them then. The server reads
// those words when the enum is unspecified, so an older agent's failed run is
// still a failed run while a fleet is upgraded, and the API shows its words.
import t from "tap";
import { startRealServer } from "./_server.js";

t.test("a report in the old form (words in the legacy fields) is read as its words say", async (t) => {
  const server = await startRealServer(t);
  const [old] = await server.agents(["old-01"]);
  const stored = await old.report({
    runId: "old-run",
    startedAt: new Date().toISOString(),
    legacyStatus: "failed",
    events: [{ resource: "file:/etc/motd", property: "content", legacyResult: "failed", message: "permission denied" }],
    logs: [{ legacyLevel: "err", code: "ANCLA_E_NO_CATALOG", message: "no catalog" }],
  });
  t.equal(stored, true);
  t.match((await server.api("GET", "/api/v1/nodes/old-01")).body, { last_run_status: "failed" }, "the run counts as failed");
  const report = await server.api("GET", "/api/v1/reports/old-run");
  t.equal(report.status, 200);
  t.match(report.body, { status: "failed", logs: [{ level: "error", code: "ANCLA_E_NO_CATALOG" }] }, 'the words are today\'s, "err" read as error');
  t.notMatch(JSON.stringify(report.body), /legacy/i, "the legacy fields do not reach the API");
  const events = await server.api("GET", "/api/v1/reports/old-run/events");
  t.match(events.body, { events: [{ resource: "file:/etc/motd", result: "failed" }] });
});
