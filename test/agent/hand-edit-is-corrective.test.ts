import t from "tap";
import { chmod, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { sha256Hex } from "../../catalog/canonical.js";
import { ReportStatus } from "../../proto/gen/ancla/v1/agent_pb.js";
import { apply, catalogOf, file, summary } from "./_helpers.js";

t.test("a hand-edited file is repaired and the change is marked corrective", async (t) => {
  const path = join(t.testdir({}), "motd");
  const catalog = catalogOf([file(path, { content: "managed\n", mode: "0644" })]);
  const first = await apply(catalog);

  await writeFile(path, "hand edit\n");
  await chmod(path, 0o666);
  const repair = await apply(catalog, { memory: first.memory });

  t.equal(repair.status, ReportStatus.CHANGED);
  t.same(summary(repair), [
    { resource: `file:${path}`, property: "content", result: "changed", corrective: true },
    { resource: `file:${path}`, property: "mode", result: "changed", corrective: true },
  ]);
  const content = repair.events[0];
  t.equal(content.desired, JSON.stringify(`sha256:${sha256Hex("managed\n")}`));
  t.equal(content.actual, JSON.stringify(`sha256:${sha256Hex("hand edit\n")}`));
  t.same([repair.events[1].desired, repair.events[1].actual], ['"0644"', '"0666"']);
  t.match(repair.counts, { changed: 1, corrective: 1 });
  t.equal(await readFile(path, "utf8"), "managed\n");
  t.equal((await stat(path)).mode & 0o7777, 0o644);
});

t.test("without memory of a previous run, the same repair is intentional", async (t) => {
  const path = join(t.testdir({ motd: "hand edit\n" }), "motd");
  const outcome = await apply(catalogOf([file(path, { content: "managed\n" })]));
  t.same(summary(outcome), [{ resource: `file:${path}`, property: "content", result: "changed", corrective: false }]);
  t.match(outcome.counts, { changed: 1, corrective: 0 });
});
