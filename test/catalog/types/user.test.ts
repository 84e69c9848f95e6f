import t from "tap";
import { userType } from "../../../catalog/types/user.js";
import { normalised, problems } from "./_helpers.js";

t.test("ensure defaults to present; everything else only when given", async (t) => {
  t.same(normalised(t, userType, "deploy", {}), { ensure: "present" });
  t.same(normalised(t, userType, "gone", { ensure: "absent" }), { ensure: "absent" });
});

t.test("a full user normalises paths and the group set", async (t) => {
  t.same(
    normalised(t, userType, "deploy", {
      uid: 1001,
      gid: "deploy",
      groups: ["sudo", "adm", "sudo"],
      home: "/home/deploy/",
      shell: "/bin/bash",
      system: false,
      comment: "Deploy bot",
      managehome: true,
    }),
    { ensure: "present", uid: 1001, gid: "deploy", groups: ["adm", "sudo"], home: "/home/deploy", shell: "/bin/bash", system: false, comment: "Deploy bot", managehome: true },
  );
  t.same(normalised(t, userType, "www-data", { gid: 33 }), { ensure: "present", gid: 33 });
});

t.test("wrong values say what was expected", async (t) => {
  t.same(problems(userType, "deploy", { uid: "1001", gid: 1.5, home: "home/deploy", shell: 7, comment: "a:b", system: 1, managehome: "no" }), [
    'uid: `uid` must be an integer from 0 to 4294967294, not "1001"',
    "gid: `gid` must be a name or a numeric id, not the number 1.5",
    'home: `home` must be an absolute path, not "home/deploy"',
    "shell: `shell` must be an absolute path, not the number 7",
    'comment: `comment` must be a string without ":" or line breaks, not "a:b"',
    "system: `system` must be true or false, not the number 1",
    'managehome: `managehome` must be true or false, not "no"',
  ]);
});

t.test("groups must be a list of names; each bad entry is named", async (t) => {
  t.same(problems(userType, "deploy", { groups: "sudo" }), ['groups: `groups` must be a list of group names, not "sudo"']);
  t.same(problems(userType, "deploy", { groups: ["sudo", "bad name", 4] }), [
    'groups: `groups[1]` must be a user or group name (letters, digits, ".", "_", "-"; at most 32), not "bad name"',
    'groups: `groups[2]` must be a user or group name (letters, digits, ".", "_", "-"; at most 32), not the number 4',
  ]);
});

t.test("the title must be an account name", async (t) => {
  for (const bad of ["-x", "1234", "has space", "a".repeat(33)]) {
    t.equal(problems(userType, bad, {}).length, 1, bad);
  }
  t.same(problems(userType, "1234", {}), [': `title` must be a user or group name (letters, digits, ".", "_", "-"; at most 32), not "1234"']);
  t.same(normalised(t, userType, "host$", {}), { ensure: "present" }, "a Samba machine account");
});

t.test("unknown properties", async (t) => {
  t.match(problems(userType, "deploy", { shel: "/bin/sh" }), [/^shel: user has no property `shel`; did you mean `shell`\? \(it takes ensure, uid, gid, groups, home,/]);
});
