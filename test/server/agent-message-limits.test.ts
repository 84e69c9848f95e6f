// One enrolled node cannot freeze the server (issue 11 item 2): the attack
// run's check-in of 400,000 facts, facts too large or too deep, a report of
// 100,000 events, too many log lines, a message over the size limit — each is
// refused with a status naming the limit, nothing of it is stored, and right
// after it another agent gets its catalog and the API answers.
import t, { type Test } from "tap";
import * as grpc from "@grpc/grpc-js";
import type { JsonObject } from "@bufbuild/protobuf";
import type { SimAgent } from "../../bench/sim-agents.js";
import { DEFAULT_MESSAGE_LIMITS } from "../../server/grpc/limits.js";
import { DEFAULT_MAX_MESSAGE_BYTES } from "../../server/grpc/server.js";
import { EventResult, LogLevel, ReportStatus } from "../../proto/gen/ancla/v1/agent_pb.js";
import { debianFacts, refusal, startRealServer, type RealServer } from "./_server.js";

const manyFacts = (n: number): JsonObject => Object.fromEntries(Array.from({ length: n }, (_, i) => [`fact_${i}`, "x"]));

function nested(depth: number): JsonObject {
  let value: JsonObject = { leaf: "x" };
  for (let i = 1; i < depth; i++) value = { level: value };
  return value;
}

const events = (n: number) => Array.from({ length: n }, (_, i) => ({ resource: `file:/etc/f${i}`, property: "content", result: EventResult.CHANGED }));
const logs = (n: number) => Array.from({ length: n }, (_, i) => ({ level: LogLevel.INFO, message: `line ${i}` }));

const runReport = (runId: string) => ({ runId, catalogDigest: "d".repeat(64), siteVersion: "v", startedAt: new Date().toISOString(), status: ReportStatus.CHANGED });

/** The server still does its work for others right after a refusal. */
async function stillServes(t: Test, server: RealServer, other: SimAgent): Promise<void> {
  const answer = await other.client.getCatalog({ facts: debianFacts(), haveDigest: "" });
  t.equal(answer.result.case, "catalog", "another agent gets its catalog");
  t.equal((await server.api("GET", "/api/v1/nodes")).status, 200, "the API answers");
}

t.test("check-ins and reports over a limit are refused, named, not stored, and the server carries on", async (t) => {
  const server = await startRealServer(t);
  const [hostile, other] = await server.agents(["hostile-01", "other-01"]);
  const limits = DEFAULT_MESSAGE_LIMITS;

  const checkins: [string, JsonObject, RegExp][] = [
    ["the attack run's 400,000 facts", manyFacts(400_000), /more than 10000 entries.*max_facts\)/],
    ["one fact over the count", manyFacts(limits.maxFacts + 1), /more than 10000 entries.*max_facts\)/],
    ["facts over 1 MiB", { blob: "x".repeat(limits.maxFactsBytes + 1) }, /more than 1048576 bytes.*max_facts_bytes/],
    ["facts deeper than 16", nested(limits.maxFactsDepth + 1), /deeper than 16 levels.*max_facts_depth/],
  ];
  for (const [what, facts, message] of checkins) {
    const err = await refusal(hostile.client.getCatalog({ facts, haveDigest: "" }));
    t.equal(err.code, grpc.status.INVALID_ARGUMENT, what);
    t.match(err.details, message, err.details);
    await stillServes(t, server, other);
  }
  t.equal((await server.api("GET", "/api/v1/nodes/hostile-01")).status, 404, "no refused check-in was recorded");

  const reports: [string, object, RegExp][] = [
    ["the attack run's 100,000 events", { events: events(100_000) }, /report\.events has 100000 entries, over the limit of 20000 \(max_report_events\)/],
    ["one event over", { events: events(limits.maxReportEvents + 1) }, /report\.events has 20001 entries/],
    ["one log line over", { logs: logs(limits.maxReportLogLines + 1) }, /report\.logs has 2001 entries, over the limit of 2000 \(max_report_log_lines\)/],
  ];
  for (const [what, extra, message] of reports) {
    const err = await refusal(hostile.report({ ...runReport(`run-${what.length}`), ...extra }));
    t.equal(err.code, grpc.status.INVALID_ARGUMENT, what);
    t.match(err.details, message, err.details);
    await stillServes(t, server, other);
  }
  const factsWithReport = await refusal(hostile.report(runReport("run-facts"), manyFacts(limits.maxFacts + 1)));
  t.match(factsWithReport.details, /max_facts\)/, "a report's facts are held to the same limits");
  t.same((await server.api("GET", "/api/v1/reports?node=hostile-01")).body, { reports: [], next: null }, "no refused report was stored");

  const huge = await refusal(hostile.client.getCatalog({ facts: { blob: "x".repeat(DEFAULT_MAX_MESSAGE_BYTES) }, haveDigest: "" }));
  t.equal(huge.code, grpc.status.RESOURCE_EXHAUSTED, "a message over 16 MiB is refused before it is decoded");
  t.match(huge.details, /larger than max \(\d+ vs 16777216\)/, huge.details);
  await stillServes(t, server, other);

  const atLimits = await hostile.report({ ...runReport("run-at-limits"), events: events(limits.maxReportEvents), logs: logs(limits.maxReportLogLines) }, manyFacts(limits.maxFacts - 1));
  t.equal(atLimits, true, "a report exactly at the limits is stored");
});

t.test("limits are settings: a server started with lower ones holds nodes to those", async (t) => {
  const server = await startRealServer(t, { limits: { maxFacts: 10, maxReportEvents: 5 } });
  const [node] = await server.agents(["small-01"]);
  t.match((await refusal(node.client.getCatalog({ facts: manyFacts(11), haveDigest: "" }))).details, /more than 10 entries/);
  t.match((await refusal(node.report({ ...runReport("r1"), events: events(6) }))).details, /6 entries, over the limit of 5/);
  t.equal((await node.client.getCatalog({ facts: manyFacts(9), haveDigest: "" })).result.case, "catalog");
});
