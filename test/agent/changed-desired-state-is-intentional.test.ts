import t from "tap";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { desiredDigest } from "../../agent/engine/drift.js";
import { apply, catalogOf, file, summary } from "./_helpers.js";

t.test("a change of the desired content is intentional, and memory follows the catalog", async (t) => {
  const root = t.testdir({});
  const path = join(root, "app.conf");
  const v1 = file(path, { content: "v1\n" });
  const other = file(join(root, "other"), { content: "o\n" });
  const first = await apply(catalogOf([v1, other]));
  t.same(first.memory, { [`file:${path}`]: desiredDigest(v1), [`file:${join(root, "other")}`]: desiredDigest(other) });

  const v2 = file(path, { content: "v2\n" });
  const second = await apply(catalogOf([v2]), { memory: first.memory });
  t.same(summary(second), [{ resource: `file:${path}`, property: "content", result: "changed", corrective: false }]);
  t.match(second.counts, { changed: 1, corrective: 0 });
  t.equal(await readFile(path, "utf8"), "v2\n");
  t.same(second.memory, { [`file:${path}`]: desiredDigest(v2) }, "new digest remembered, removed resource dropped");
});
