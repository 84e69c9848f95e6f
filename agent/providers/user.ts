// The `user` provider: local accounts through the shadow utilities. What is:
// /etc/passwd and /etc/group. Make it so: one useradd, usermod or userdel.
//
// Like Puppet's defaults: `groups` is a minimum (listed groups are added,
// others the user is in are left alone), `system` and `managehome` matter when
// the account is created (and managehome also when it is removed or moved),
// and properties the catalog leaves out are not managed.
import type { JsonValue, Resource } from "../../catalog/model.js";
import type { Accounts, PasswdEntry } from "./accounts.js";
import type { PropertyChange, Provider } from "./provider.js";
import { accountProvider, isId, optional, presence, type AccountPlan, type AccountProviderOptions } from "./shadow.js";

export interface UserSpec {
  name: string;
  ensure: "present" | "absent";
  uid?: number;
  gid?: string | number;
  groups?: string[];
  home?: string;
  shell?: string;
  comment?: string;
  system: boolean;
  managehome: boolean;
}

export const userProvider: Provider = createUserProvider();

export function createUserProvider(opts: AccountProviderOptions = {}): Provider {
  return {
    ...accountProvider(opts, (resource, accounts) => planUser(parseUserSpec(resource), accounts)),
    // As in Puppet: a user requires its managed groups (primary and supplementary).
    autorequire(resource, isManaged) {
      const { gid, groups = [] } = parseUserSpec(resource);
      const names = typeof gid === "string" ? [gid, ...groups] : groups;
      return names.map((name) => `group:${name}`).filter(isManaged);
    },
  };
}

export function planUser(spec: UserSpec, accounts: Accounts): AccountPlan {
  const user = accounts.users.get(spec.name);
  if (spec.ensure === "absent") {
    if (!user) return { changes: [] };
    return { changes: [{ property: "ensure", desired: "absent", actual: "present" }], argv: ["userdel", ...(spec.managehome ? ["-r"] : []), spec.name] };
  }
  if (!user) return { changes: [{ property: "ensure", desired: "present", actual: "absent" }], argv: ["useradd", ...createFlags(spec), spec.name] };
  const { changes, flags } = differences(spec, user, accounts);
  return changes.length === 0 ? { changes } : { changes, argv: ["usermod", ...flags, spec.name] };
}

function createFlags(spec: UserSpec): string[] {
  const flags: string[] = [];
  if (spec.uid !== undefined) flags.push("-u", String(spec.uid));
  if (spec.gid !== undefined) flags.push("-g", String(spec.gid));
  if (spec.groups?.length) flags.push("-G", spec.groups.join(","));
  if (spec.home !== undefined) flags.push("-d", spec.home);
  if (spec.shell !== undefined) flags.push("-s", spec.shell);
  if (spec.comment !== undefined) flags.push("-c", spec.comment);
  if (spec.system) flags.push("-r");
  flags.push(spec.managehome ? "-m" : "-M");
  return flags;
}

/** Every managed property that differs, and the usermod flags that fix them all at once. */
function differences(spec: UserSpec, user: PasswdEntry, accounts: Accounts): { changes: PropertyChange[]; flags: string[] } {
  const changes: PropertyChange[] = [];
  const flags: string[] = [];
  const differ = (property: string, desired: JsonValue, actual: JsonValue, ...flag: string[]) => {
    changes.push({ property, desired, actual });
    flags.push(...flag);
  };
  if (spec.uid !== undefined && spec.uid !== user.uid) differ("uid", spec.uid, user.uid, "-u", String(spec.uid));
  if (spec.gid !== undefined) {
    const actual = primaryGroup(spec.gid, user.gid, accounts);
    if (actual !== spec.gid) differ("gid", spec.gid, actual, "-g", String(spec.gid));
  }
  if (spec.groups !== undefined) {
    const current = [...accounts.groups.values()]
      .filter((g) => g.members.includes(user.name))
      .map((g) => g.name)
      .sort();
    const missing = spec.groups.filter((g) => !current.includes(g));
    if (missing.length > 0) differ("groups", spec.groups, current, "-a", "-G", missing.join(","));
  }
  if (spec.home !== undefined && spec.home !== user.home) differ("home", spec.home, user.home, "-d", spec.home, ...(spec.managehome ? ["-m"] : []));
  if (spec.shell !== undefined && spec.shell !== user.shell) differ("shell", spec.shell, user.shell, "-s", spec.shell);
  if (spec.comment !== undefined && spec.comment !== user.comment) differ("comment", spec.comment, user.comment, "-c", spec.comment);
  return { changes, flags };
}

/** The user's primary group, spelled like the desired value: by name when a name is wanted. */
function primaryGroup(desired: string | number, gid: number, accounts: Accounts): string | number {
  if (typeof desired === "number") return gid;
  return [...accounts.groups.values()].find((g) => g.gid === gid)?.name ?? gid;
}

export function parseUserSpec(resource: Resource): UserSpec {
  const p = resource.properties;
  return {
    name: resource.title,
    ensure: presence(p.ensure),
    uid: optional(p.uid, "uid", isId),
    gid: optional(p.gid, "gid", (v): v is string | number => isId(v) || (typeof v === "string" && v !== "")),
    groups: optional(p.groups, "groups", (v): v is string[] => Array.isArray(v) && v.every((g) => typeof g === "string")),
    home: optional(p.home, "home", isPath),
    shell: optional(p.shell, "shell", isPath),
    comment: optional(p.comment, "comment", (v): v is string => typeof v === "string" && !/[:\n]/.test(v)),
    system: p.system === true,
    managehome: p.managehome === true,
  };
}

const isPath = (v: JsonValue): v is string => typeof v === "string" && v.startsWith("/");
