// A run that logs more lines than the server accepts in one report (its
// max_report_log_lines, 2,000 by default) still gets its report, events and
// all, stored: the report keeps the first lines and says how many it dropped.
import t from "tap";
import { create } from "@bufbuild/protobuf";
import { LogLevel, LogLineSchema } from "../../proto/gen/ancla/v1/agent_pb.js";
import { buildReport } from "../../agent/run/report.js";
import { DEFAULT_MAX_REPORT_LOG_LINES } from "../../core/limits.js";

const lines = (n: number) => Array.from({ length: n }, (_, i) => create(LogLineSchema, { time: new Date().toISOString(), level: LogLevel.INFO, message: `line ${i}` }));

t.test("a report carries at most the server's log-line limit, the last line saying what was dropped", async (t) => {
  const report = buildReport({ certname: "web-01", started: new Date(), noop: false, source: "server", logs: lines(5_000) });
  t.equal(report.logs.length, DEFAULT_MAX_REPORT_LOG_LINES);
  t.equal(report.logs[0].message, "line 0", "the first lines are kept");
  t.equal(report.logs[DEFAULT_MAX_REPORT_LOG_LINES - 2].message, `line ${DEFAULT_MAX_REPORT_LOG_LINES - 2}`);
  t.match(report.logs.at(-1), { level: LogLevel.WARNING, message: "3001 more log lines dropped: a report carries at most 2000" });
});

t.test("a report within the limit keeps every line", async (t) => {
  const report = buildReport({ certname: "web-01", started: new Date(), noop: false, source: "server", logs: lines(DEFAULT_MAX_REPORT_LOG_LINES) });
  t.equal(report.logs.length, DEFAULT_MAX_REPORT_LOG_LINES);
  t.equal(report.logs.at(-1)?.message, `line ${DEFAULT_MAX_REPORT_LOG_LINES - 1}`);
});
