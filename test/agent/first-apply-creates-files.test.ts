import t from "tap";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { ReportStatus } from "../../proto/gen/ancla/v1/agent_pb.js";
import { eventResultWords } from "../../proto/report-words.js";
import { apply, catalogOf, file } from "./_helpers.js";

t.test("first apply creates directories and files with their modes", async (t) => {
  const root = t.testdir({});
  const dir = join(root, "etc");
  const conf = join(dir, "app.conf");
  const outcome = await apply(catalogOf([file(dir, { ensure: "directory", mode: "0750" }), file(conf, { content: "port = 80\n", mode: "0640" })]));
  t.equal(outcome.status, ReportStatus.CHANGED);
  t.match(outcome.counts, { total: 2, changed: 2, failed: 0, skipped: 0, corrective: 0 });
  t.equal((await stat(dir)).mode & 0o7777, 0o750);
  t.equal((await stat(conf)).mode & 0o7777, 0o640);
  t.equal(await readFile(conf, "utf8"), "port = 80\n");
  const ensure = outcome.events.filter((e) => e.property === "ensure");
  t.same(
    ensure.map((e) => [e.resource, e.desired, e.actual, eventResultWords.word(e.result), e.corrective]),
    [
      [`file:${dir}`, '"directory"', '"absent"', "changed", false],
      [`file:${conf}`, '"file"', '"absent"', "changed", false],
    ],
  );
});
