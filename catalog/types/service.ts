// `service`: a systemd unit. The title is used as given ("nginx" and
// "nginx.service" are both unit names to systemctl), so no suffix is added.
// Both `ensure` and `enable` are optional, as in Puppet: a service with
// neither is still a valid resource, one that only receives refreshes
// (restart on notify).
import { bool, matching, oneOf } from "./checks.js";
import { defineType } from "./define.js";
import type { ResourceTypeSchema } from "./schema.js";

/** systemd unit name characters (systemd.unit(5)): letters, digits, ":", "-", "_", ".", "\", "@"; at most 255. */
const unitName = matching(/^[A-Za-z0-9:_.\\@-]{1,255}$/, 'a systemd unit name like "nginx" or "getty@tty1.service"');

export const serviceType: ResourceTypeSchema = defineType({
  name: "service",
  title: unitName,
  properties: {
    ensure: { check: oneOf(["running", "stopped"]) },
    enable: { check: bool },
  },
});
