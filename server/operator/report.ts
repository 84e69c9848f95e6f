// `ancla report show NAME [--run ID]`: the node's latest run (or the one named), events first.
import type { JsonValue } from "@bufbuild/protobuf";
import { JSON_FLAG, str, type Subcommand } from "../../core/cli.js";
import type { Report } from "../../proto/gen/ancla/v1/agent_pb.js";
import { ApiClient } from "./client.js";
import { CONNECTION_FLAGS, resolveConnection } from "./connection.js";
import { print, table } from "./output.js";

export const reportCommands: Record<string, Subcommand> = {
  "report show": {
    usage: "report show NAME [--run ID] [--json]",
    summary: "show the latest run report of a node, or its run ID: events (with file diffs) and problems",
    flags: { ...CONNECTION_FLAGS, ...JSON_FLAG, run: { type: "string", value: "ID", help: "that run instead of the latest" } },
    positionals: [1, 1],
    async run(args) {
      const certname = args.positionals[0];
      const runId = str(args, "run");
      // Run ids are unique per node only, so the node is always named.
      const path = runId === undefined ? `/nodes/${encodeURIComponent(certname)}/report` : `/reports/${encodeURIComponent(runId)}?node=${encodeURIComponent(certname)}`;
      const json = await new ApiClient(resolveConnection(args)).get<JsonValue>(path);
      // Parsed through the schema: a server speaking another report version fails here, loudly, not half-rendered.
      // Loaded here, not at start-up: the protobuf runtime is a good part of what `ancla --help` would wait for.
      const words = await import("../../proto/report-words.js");
      const report = words.reportFromJson(json, { ignoreUnknownFields: true });
      print(args, json, () => describeReport(report, words));
      return 0;
    },
  },
};

type ReportWords = typeof import("../../proto/report-words.js");

function describeReport(r: Report, words: ReportWords): string {
  const c = r.counts;
  const lines = [
    `run ${r.runId} on ${r.certname}: ${words.reportStatusWords.word(r.status)}${r.noop ? " (noop)" : ""}`,
    `  started     ${r.startedAt}, took ${r.durationMs} ms`,
    `  catalog     ${r.catalogDigest.slice(0, 16)} (serial ${r.catalogSerial}, from ${r.catalogSource || "?"})`,
    `  site        ${r.siteVersion}`,
    `  resources   ${c ? `${c.total} total, ${c.changed} changed, ${c.failed} failed, ${c.skipped} skipped, ${c.corrective} corrective` : "-"}`,
  ];
  let text = lines.join("\n") + "\n";
  if (r.events.length > 0) {
    text +=
      "\n" +
      table(
        ["RESULT", "RESOURCE", "PROPERTY", "DESIRED", "ACTUAL", "DRIFT", "MESSAGE"],
        r.events.map((e) => [words.eventResultWords.word(e.result), e.resource, e.property, e.desired, e.actual, e.corrective ? "yes" : "", e.message]),
      );
  }
  for (const e of r.events.filter((e) => e.diff)) text += `\n${e.resource}:\n${e.diff.endsWith("\n") ? e.diff : `${e.diff}\n`}`;
  const problems = r.logs.filter((l) => words.isProblem(l.level));
  for (const l of problems) text += `${words.logLevelWords.word(l.level)}: ${l.code ? `${l.code}: ` : ""}${words.messageAfterCode(l)}\n`;
  return text;
}
