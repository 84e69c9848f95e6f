// `user`: a local account through the shadow utilities (useradd, usermod,
// userdel). Only `ensure` gets a default; the rest is managed only when
// given, so an absent `shell` leaves the system's choice alone, and the
// booleans (system, managehome) mean false when absent, as in Puppet.
import { absolutePath, accountId, accountName, accountRef, bool, matching, oneOf, setOf } from "./checks.js";
import { defineType } from "./define.js";
import type { ResourceTypeSchema } from "./schema.js";

export const userType: ResourceTypeSchema = defineType({
  name: "user",
  title: accountName,
  properties: {
    ensure: { check: oneOf(["present", "absent"]), default: "present" },
    uid: { check: accountId },
    gid: { check: accountRef },
    groups: { check: setOf(accountName, "a list of group names") },
    home: { check: absolutePath },
    shell: { check: absolutePath },
    system: { check: bool },
    // The GECOS field of /etc/passwd: ":" and newlines would break the line.
    comment: { check: matching(/^[^:\n]*$/, 'a string without ":" or line breaks') },
    managehome: { check: bool },
  },
});
