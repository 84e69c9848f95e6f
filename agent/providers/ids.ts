// User and group names ↔ numeric ids, read straight from /etc/passwd and
// /etc/group: no child processes, and the same answer `ls -l` gives for local
// accounts. (Directory-service accounts need numeric ids in the catalog.)
import { readFile } from "node:fs/promises";
import { splitDatabase } from "./accounts.js";

export type IdKind = "user" | "group";

export interface IdTable {
  kind: IdKind;
  byName: ReadonlyMap<string, number>;
  byId: ReadonlyMap<number, string>;
}

export const ID_SOURCES: Readonly<Record<IdKind, string>> = { user: "/etc/passwd", group: "/etc/group" };

export async function loadIdTable(kind: IdKind): Promise<IdTable> {
  const byName = new Map<string, number>();
  const byId = new Map<number, string>();
  const text = await readFile(ID_SOURCES[kind], "utf8").catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return "";
    throw err;
  });
  // name:password:id:...  (the same shape in passwd and group)
  for (const [name, , idText] of splitDatabase(text)) {
    const id = Number(idText);
    if (!name || idText === undefined || !/^\d+$/.test(idText)) continue;
    if (!byName.has(name)) byName.set(name, id);
    if (!byId.has(id)) byId.set(id, name);
  }
  return { kind, byName, byId };
}

/** A name or a numeric id (number or digit string) → the id; undefined when the name is unknown. */
export function resolveId(table: IdTable, value: string | number): number | undefined {
  if (typeof value === "number") return value;
  if (/^\d+$/.test(value)) return Number(value);
  return table.byName.get(value);
}

/** How to show an actual id next to a desired value: by name when the desired value is a name. */
export function describeId(table: IdTable, id: number, desired: string | number): string | number {
  const byName = typeof desired === "string" && !/^\d+$/.test(desired);
  return byName ? (table.byId.get(id) ?? id) : id;
}
