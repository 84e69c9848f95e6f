import t from "tap";
import { chown, stat } from "node:fs/promises";
import { join } from "node:path";
import { loadIdTable, resolveId } from "../../agent/providers/ids.js";
import { EventResult, ReportStatus } from "../../proto/gen/ancla/v1/agent_pb.js";
import { apply, catalogOf, file } from "./_helpers.js";

t.test("owner and group are changed by name and reported by name", async (t) => {
  const users = await loadIdTable("user");
  const groups = await loadIdTable("group");
  const nobody = resolveId(users, "nobody");
  const nogroup = resolveId(groups, "nogroup");
  if (nobody === undefined || nogroup === undefined) throw new Error("this test needs the nobody user and the nogroup group");
  const root = t.testdir({ f: "x", d: {} });
  await chown(join(root, "f"), 0, 0);

  const outcome = await apply(catalogOf([file(join(root, "f"), { owner: "nobody", group: "nogroup" }), file(join(root, "d"), { ensure: "directory", owner: nobody, group: String(nogroup) })]));

  t.equal(outcome.status, ReportStatus.CHANGED);
  t.same(
    outcome.events.map((e) => [e.property, e.desired, e.actual]),
    [
      ["owner", '"nobody"', '"root"'],
      ["group", '"nogroup"', '"root"'],
      ["owner", String(nobody), "0"],
      ["group", JSON.stringify(String(nogroup)), "0"],
    ],
  );
  for (const name of ["f", "d"]) {
    const st = await stat(join(root, name));
    t.same([st.uid, st.gid], [nobody, nogroup], `${name} is owned by nobody:nogroup`);
  }
});

t.test("a new file is created with its owner already set", async (t) => {
  const path = join(t.testdir({}), "new");
  await apply(catalogOf([file(path, { content: "x", owner: "nobody", mode: "0600" })]));
  t.equal((await stat(path)).uid, resolveId(await loadIdTable("user"), "nobody"));
});

t.test("an unknown owner fails with a message naming it", async (t) => {
  const path = join(t.testdir({}), "f");
  const outcome = await apply(catalogOf([file(path, { owner: "no-such-user-ancla" })]));
  t.equal(outcome.status, ReportStatus.FAILED);
  t.equal(outcome.events.length, 1);
  t.match(outcome.events[0], { property: "owner", result: EventResult.FAILED, message: /no user named "no-such-user-ancla" in \/etc\/passwd/ });
  await t.rejects(stat(path), { code: "ENOENT" }, "nothing was created");
});
