// `group`: a local group through groupadd/groupdel. Membership is managed
// from the user side (`user.groups`), as in Puppet.
import { accountId, accountName, bool, oneOf } from "./checks.js";
import { defineType } from "./define.js";
import type { ResourceTypeSchema } from "./schema.js";

export const groupType: ResourceTypeSchema = defineType({
  name: "group",
  title: accountName,
  properties: {
    ensure: { check: oneOf(["present", "absent"]), default: "present" },
    gid: { check: accountId },
    system: { check: bool },
  },
});
