// The `group` provider: local groups through groupadd, groupmod, groupdel.
// Membership is the user's business (`user.groups`), as in Puppet; `system`
// matters only when the group is created.
import type { Resource } from "../../catalog/model.js";
import type { Accounts } from "./accounts.js";
import type { Provider } from "./provider.js";
import { accountProvider, isId, optional, presence, type AccountPlan, type AccountProviderOptions } from "./shadow.js";

export interface GroupSpec {
  name: string;
  ensure: "present" | "absent";
  gid?: number;
  system: boolean;
}

export const groupProvider: Provider = createGroupProvider();

export function createGroupProvider(opts: AccountProviderOptions = {}): Provider {
  return accountProvider(opts, (resource, accounts) => planGroup(parseGroupSpec(resource), accounts));
}

export function planGroup(spec: GroupSpec, accounts: Accounts): AccountPlan {
  const group = accounts.groups.get(spec.name);
  if (spec.ensure === "absent") {
    return group ? { changes: [{ property: "ensure", desired: "absent", actual: "present" }], argv: ["groupdel", spec.name] } : { changes: [] };
  }
  if (!group) {
    const flags = [...(spec.gid !== undefined ? ["-g", String(spec.gid)] : []), ...(spec.system ? ["-r"] : [])];
    return { changes: [{ property: "ensure", desired: "present", actual: "absent" }], argv: ["groupadd", ...flags, spec.name] };
  }
  if (spec.gid !== undefined && spec.gid !== group.gid) {
    return { changes: [{ property: "gid", desired: spec.gid, actual: group.gid }], argv: ["groupmod", "-g", String(spec.gid), spec.name] };
  }
  return { changes: [] };
}

export function parseGroupSpec(resource: Resource): GroupSpec {
  const p = resource.properties;
  return { name: resource.title, ensure: presence(p.ensure), gid: optional(p.gid, "gid", isId), system: p.system === true };
}
