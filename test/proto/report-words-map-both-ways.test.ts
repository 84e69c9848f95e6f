// proto/report-words.ts is the one mapping between the report's enums (the
// wire) and the words of the store, the API and the CLIs: every enum value,
// read from the generated descriptors so a value added to agent.proto without
// a word fails here, maps to its word and back.
import t from "tap";
import { create, equals, type DescEnum } from "@bufbuild/protobuf";
import { EventResult, EventResultSchema, LogLevel, LogLevelSchema, ReportSchema, ReportStatus, ReportStatusSchema } from "../../proto/gen/ancla/v1/agent_pb.js";
import { eventResultWords, logLevelWords, reportFromJson, reportStatusWords, reportToJson, type Words } from "../../proto/report-words.js";

const tables: [DescEnum, Words<number, string>, string[]][] = [
  [ReportStatusSchema, reportStatusWords, ["changed", "unchanged", "failed", "noop"]],
  [EventResultSchema, eventResultWords, ["changed", "failed", "skipped", "noop", "unknown"]],
  [LogLevelSchema, logLevelWords, ["debug", "info", "warning", "error"]],
];

t.test("every enum value has one word, and the word reads back as the value", (t) => {
  for (const [schema, table, wanted] of tables) {
    const specified = schema.values.filter((v) => v.number !== 0);
    t.same(
      specified.map((v) => table.word(v.number)),
      wanted,
      `${schema.name}: the words the API has always used`,
    );
    for (const v of specified) t.equal(table.value(table.word(v.number)), v.number, `${v.name} → ${table.word(v.number)} → ${v.name}`);
    t.same(table.words, wanted, `${schema.name}: the word list`);
    t.equal(table.word(0), "", `${schema.name}: unspecified is the empty word, as an unset string was`);
    t.equal(table.value(""), 0);
    t.equal(table.value("bogus"), 0, `${schema.name}: a word it does not know is unspecified, not an error`);
    t.equal(table.word(99), "", `${schema.name}: so is a number from a newer agent`);
  }
  t.end();
});

t.test('"err", which agents wrote before the enum, reads as an error', (t) => {
  t.equal(logLevelWords.value("err"), LogLevel.ERROR);
  t.equal(logLevelWords.word(LogLevel.ERROR), "error", "and is written back as error");
  t.end();
});

t.test("a report goes to JSON with words and comes back equal", (t) => {
  const report = create(ReportSchema, {
    runId: "run-1",
    status: ReportStatus.FAILED,
    events: [{ resource: "file:/a", result: EventResult.CHANGED }, { resource: "file:/b", result: EventResult.UNKNOWN }, { resource: "file:/c" }],
    logs: [
      { level: LogLevel.WARNING, message: "w" },
      { level: LogLevel.ERROR, message: "e", code: "ANCLA_E_NO_CATALOG" },
    ],
  });
  const json = reportToJson(report);
  t.match(json, {
    status: "failed",
    events: [{ result: "changed" }, { result: "unknown" }, { resource: "file:/c" }],
    logs: [{ level: "warning" }, { level: "error" }],
  });
  t.notOk("result" in (json.events as object[])[2], "an unspecified value is left out, like any zero value");
  t.ok(equals(ReportSchema, reportFromJson(JSON.parse(JSON.stringify(json))), report));
  t.end();
});

t.test("a report stored or queued before the enums reads with its words", (t) => {
  const before = {
    runId: "old",
    status: "changed",
    events: [{ resource: "file:/a", result: "noop" }],
    logs: [
      { level: "err", message: "cannot queue the report" },
      { level: "info", message: "" },
    ],
  };
  const report = reportFromJson(before);
  t.equal(report.status, ReportStatus.CHANGED);
  t.equal(report.events[0].result, EventResult.NOOP);
  t.same(
    report.logs.map((l) => l.level),
    [LogLevel.ERROR, LogLevel.INFO],
  );
  t.throws(() => reportFromJson({ runId: "x", nosuchfield: 1 }), "what is not a report still fails, as fromJson does");
  t.equal(reportFromJson({ runId: "x", nosuchfield: 1 }, { ignoreUnknownFields: true }).runId, "x");
  t.end();
});
