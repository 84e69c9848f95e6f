import t from "tap";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { sha256Hex } from "../../catalog/canonical.js";
import type { LogLine } from "../../proto/gen/ancla/v1/agent_pb.js";
import { apply, catalogOf, file } from "./_helpers.js";

t.test("a sensitive resource shows [redacted] in events and logs", async (t) => {
  const path = join(t.testdir({ secret: "old-password\n" }), "secret");
  const streamed: LogLine[] = [];
  const outcome = await apply(catalogOf([file(path, { content: "hunter2\n", mode: "0600" }, { sensitive: true })]), { log: (l) => streamed.push(l) });

  t.equal(await readFile(path, "utf8"), "hunter2\n", "the change itself is made");
  t.same(
    outcome.events.map((e) => [e.property, e.desired, e.actual]),
    [
      ["content", "[redacted]", "[redacted]"],
      ["mode", "[redacted]", "[redacted]"],
    ],
  );
  const text = JSON.stringify(outcome.logs.map((l) => l.message)) + JSON.stringify(streamed.map((l) => l.message));
  for (const leak of [sha256Hex("hunter2\n"), sha256Hex("old-password\n"), "hunter2", "0600"]) {
    t.notOk(text.includes(leak), `logs do not contain ${leak.slice(0, 12)}`);
  }
  t.ok(text.includes("[redacted]"));
  t.same(streamed, outcome.logs, "the log sink sees every line");
});
