// Local accounts as /etc/passwd and /etc/group say, parsed in full (the user
// and group providers compare every field; ids.ts needs only names and ids).
import { readFile } from "node:fs/promises";

export interface AccountFiles {
  passwd: string;
  group: string;
}

export const ACCOUNT_FILES: AccountFiles = { passwd: "/etc/passwd", group: "/etc/group" };

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  comment: string;
  home: string;
  shell: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
  /** Supplementary members (the fourth field); a user's primary group does not list it. */
  members: string[];
}

export interface Accounts {
  users: ReadonlyMap<string, PasswdEntry>;
  groups: ReadonlyMap<string, GroupEntry>;
}

/** The text of a colon-separated database file, split into fields; comments, blank and NIS ("+") lines dropped. */
export function splitDatabase(text: string): string[][] {
  return text
    .split("\n")
    .filter((line) => line !== "" && !line.startsWith("#") && !line.startsWith("+") && !line.startsWith("-"))
    .map((line) => line.split(":"));
}

const isId = (text: string | undefined): text is string => text !== undefined && /^\d+$/.test(text);

export function parsePasswd(text: string): PasswdEntry[] {
  return splitDatabase(text)
    .filter((f) => f.length >= 7 && isId(f[2]) && isId(f[3]))
    .map(([name, , uid, gid, comment, home, shell]) => ({ name, uid: Number(uid), gid: Number(gid), comment, home, shell }));
}

export function parseGroup(text: string): GroupEntry[] {
  return splitDatabase(text)
    .filter((f) => f.length >= 4 && isId(f[2]))
    .map(([name, , gid, members]) => ({ name, gid: Number(gid), members: members.split(",").filter(Boolean) }));
}

export async function readAccounts(files: AccountFiles = ACCOUNT_FILES): Promise<Accounts> {
  const [passwd, group] = await Promise.all([readOrEmpty(files.passwd), readOrEmpty(files.group)]);
  return {
    users: new Map(parsePasswd(passwd).map((u) => [u.name, u])),
    groups: new Map(parseGroup(group).map((g) => [g.name, g])),
  };
}

async function readOrEmpty(path: string): Promise<string> {
  return readFile(path, "utf8").catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return "";
    throw err;
  });
}
