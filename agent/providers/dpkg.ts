// What is installed, read from dpkg's own database (/var/lib/dpkg/status) in
// one pass — no dpkg-query per package — and what apt would install
// (`apt-cache policy`, one call for every package that wants `latest`).
import { readFile } from "node:fs/promises";

export const DPKG_STATUS = "/var/lib/dpkg/status";

export interface InstalledPackage {
  name: string;
  architecture: string;
  version: string;
  /** dpkg's package state: "installed", "config-files", "half-configured", … */
  state: string;
}

/** Installed, or as good as: triggers pending do not make a package missing. */
const PRESENT_STATES = new Set(["installed", "triggers-pending", "triggers-awaited"]);

/** Gone, as far as a catalog cares: only configuration files left (removed, not purged). */
const ABSENT_STATES = new Set(["not-installed", "config-files"]);

export function isPresent(pkg: InstalledPackage | undefined): pkg is InstalledPackage {
  return pkg !== undefined && PRESENT_STATES.has(pkg.state);
}

export function isAbsent(pkg: InstalledPackage | undefined): boolean {
  return pkg === undefined || ABSENT_STATES.has(pkg.state);
}

/** Package name → its entries (several for a Multi-Arch: same package installed for two architectures). */
export type DpkgDatabase = ReadonlyMap<string, readonly InstalledPackage[]>;

export async function readDpkgStatus(path = DPKG_STATUS): Promise<DpkgDatabase> {
  const text = await readFile(path, "utf8").catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return "";
    throw err;
  });
  return parseDpkgStatus(text);
}

/** Paragraphs of "Field: value" lines separated by blank lines; continuation lines (leading space) are skipped. */
export function parseDpkgStatus(text: string): DpkgDatabase {
  const db = new Map<string, InstalledPackage[]>();
  for (const paragraph of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of paragraph.split("\n")) {
      const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
      if (m) fields.set(m[1].toLowerCase(), m[2].trim());
    }
    const name = fields.get("package");
    // "Status: want flag state", e.g. "install ok installed".
    const state = fields.get("status")?.split(/\s+/)[2];
    if (!name || !state) continue;
    const entry = { name, architecture: fields.get("architecture") ?? "", version: fields.get("version") ?? "", state };
    db.set(name, [...(db.get(name) ?? []), entry]);
  }
  return db;
}

/** Debian's name for this machine's architecture, as dpkg prints it. */
export function nativeArchitecture(arch: string = process.arch): string {
  const names: Record<string, string> = { x64: "amd64", arm64: "arm64", arm: "armhf", ia32: "i386", ppc64: "ppc64el", s390x: "s390x", riscv64: "riscv64", mips64el: "mips64el" };
  return names[arch] ?? arch;
}

/** The entry a title names: "libc6:i386" exactly; "libc6" the native (or arch-independent) one first. */
export function lookupPackage(db: DpkgDatabase, title: string, native = nativeArchitecture()): InstalledPackage | undefined {
  const [name, arch] = title.split(":");
  const entries = db.get(name) ?? [];
  if (arch !== undefined) return entries.find((e) => e.architecture === arch);
  return entries.find((e) => e.architecture === native || e.architecture === "all") ?? entries[0];
}

/** `apt-cache policy a b …` → package → candidate version; packages apt does not know are missing, "(none)" is undefined. */
export function parseAptPolicy(text: string): Map<string, string | undefined> {
  const candidates = new Map<string, string | undefined>();
  let current: string | undefined;
  for (const line of text.split("\n")) {
    const header = /^(\S+):$/.exec(line);
    if (header) {
      current = header[1];
      continue;
    }
    const candidate = /^\s+Candidate:\s*(\S+)/.exec(line);
    if (candidate && current !== undefined) candidates.set(current, candidate[1] === "(none)" ? undefined : candidate[1]);
  }
  return candidates;
}
