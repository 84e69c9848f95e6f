import t from "tap";
import { groupType } from "../../../catalog/types/group.js";
import { normalised, problems } from "./_helpers.js";

t.test("ensure defaults to present; gid and system when given", async (t) => {
  t.same(normalised(t, groupType, "deploy", {}), { ensure: "present" });
  t.same(normalised(t, groupType, "deploy", { gid: 1001, system: true, ensure: "absent" }), { ensure: "absent", gid: 1001, system: true });
});

t.test("wrong values", async (t) => {
  t.same(problems(groupType, "deploy", { ensure: "installed", gid: -1, system: "true" }), [
    'ensure: `ensure` must be one of present, absent, not "installed"',
    "gid: `gid` must be an integer from 0 to 4294967294, not the number -1",
    'system: `system` must be true or false, not "true"',
  ]);
  t.same(problems(groupType, "deploy", { gid: 4294967295 }).length, 1, "(gid_t)-1 is not a gid");
});

t.test("the title and unknown properties", async (t) => {
  t.same(problems(groupType, "", {}), [': `title` must be a user or group name (letters, digits, ".", "_", "-"; at most 32), not ""']);
  t.same(problems(groupType, "deploy", { members: ["a"] }), ["members: group has no property `members` (it takes ensure, gid, system)"]);
});
