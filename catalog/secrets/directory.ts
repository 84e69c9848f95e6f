// The secrets a compile may bind, as the server knows them: names, current
// versions and scopes, never values. A compile is a function of this list as
// much as of the site and the facts, so its digest is part of what a compile is
// remembered by (a rotation makes every node compile again).
import { canonicalJson, sha256Hex } from "../canonical.js";
import { certnameGlob } from "../certname-glob.js";

/** A secret as a compile sees it: where it may be used and which version is current. */
export interface SecretEntry {
  name: string;
  version: number;
  /** Only nodes of this environment may use it. */
  environment?: string;
  /** Only nodes whose certname matches this glob may use it. */
  nodesGlob?: string;
}

/** How one use of a secret by one node is bound: to a version, or why not. */
export type Placement = { ok: true; version: number } | { ok: false; missing: boolean; message: string };

export class SecretDirectory {
  private readonly entries = new Map<string, { entry: SecretEntry; matches?: (certname: string) => boolean }>();
  /** Changes whenever a secret is set, rotated, rescoped or deleted. */
  readonly digest: string;
  /** The entries by name: what crosses to a compile worker. */
  readonly list: readonly SecretEntry[];

  constructor(entries: readonly SecretEntry[]) {
    const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    this.list = sorted;
    for (const entry of sorted) this.entries.set(entry.name, { entry, matches: entry.nodesGlob === undefined ? undefined : certnameGlob(entry.nodesGlob, "nodes") });
    this.digest = sha256Hex(canonicalJson(sorted));
  }

  /** Where there is no server (masterless) there are no secrets: every use is missing. */
  static readonly NONE = new SecretDirectory([]);

  place(name: string, certname: string, environment: string): Placement {
    const found = this.entries.get(name);
    if (!found) return { ok: false, missing: true, message: `secret "${name}" does not exist (ancla secret set ${name} makes it)` };
    const { entry, matches } = found;
    if (entry.environment !== undefined && entry.environment !== environment) {
      return { ok: false, missing: false, message: `secret "${name}" is for environment ${entry.environment}; node ${certname} is in ${environment}` };
    }
    if (matches && !matches(certname)) return { ok: false, missing: false, message: `secret "${name}" is for nodes ${entry.nodesGlob}; ${certname} is not one of them` };
    return { ok: true, version: entry.version };
  }
}
