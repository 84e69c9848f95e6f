import t from "tap";
import { join } from "node:path";
import { ReportStatus } from "../../proto/gen/ancla/v1/agent_pb.js";
import { apply, catalogOf, file } from "./_helpers.js";

t.test("a second apply of the same catalog is unchanged with zero events", async (t) => {
  const root = t.testdir({});
  const catalog = catalogOf([
    file(join(root, "d"), { ensure: "directory", mode: "0755" }),
    file(join(root, "d/f"), { content: "x\n", mode: "0600", owner: "root", group: "0" }),
    file(join(root, "gone"), { ensure: "absent" }),
  ]);
  const first = await apply(catalog);
  t.equal(first.status, ReportStatus.CHANGED);
  const second = await apply(catalog, { memory: first.memory });
  t.equal(second.status, ReportStatus.UNCHANGED);
  t.same(second.events, []);
  t.match(second.counts, { total: 3, changed: 0, failed: 0, skipped: 0, corrective: 0 });
  t.same(second.memory, first.memory, "memory is stable when nothing changes");
});
