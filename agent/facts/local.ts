// Facts read straight from /etc, /proc and /sys: local files that answer at
// once, unlike commands (hostname -f waits on DNS, dmidecode on firmware).
import { access, readFile } from "node:fs/promises";

/** The file's text, or "" when it is missing or unreadable: every reader here has a fallback. */
export async function readText(path: string): Promise<string> {
  return readFile(path, "utf8").catch(() => "");
}

export type OsRelease = Readonly<Record<string, string>>;

export async function readOsRelease(path = "/etc/os-release"): Promise<OsRelease> {
  const fields: Record<string, string> = {};
  for (const line of (await readText(path)).split("\n")) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) fields[m[1]] = m[2].replace(/^(["'])(.*)\1$/, "$2");
  }
  return fields;
}

const FAMILIES: readonly [family: string, ids: readonly string[]][] = [
  ["debian", ["debian", "ubuntu"]],
  ["redhat", ["rhel", "fedora", "centos", "rocky", "almalinux"]],
  ["suse", ["suse", "opensuse", "sles"]],
  ["archlinux", ["arch"]],
  ["alpine", ["alpine"]],
];

/** Puppet's osfamily, lowercased: what a distribution derives from, so Ubuntu is "debian". */
export function osFamily(release: OsRelease, platform: string): string {
  const ids = [release.ID ?? "", ...(release.ID_LIKE ?? "").split(/\s+/)].filter(Boolean).map((id) => id.toLowerCase());
  for (const [family, members] of FAMILIES) if (ids.some((id) => members.includes(id))) return family;
  return ids[0] ?? platform;
}

/** The host's name with its domain, from /etc/hosts or the resolver's domain; the bare name when neither says. */
export async function fqdn(hostname: string): Promise<string> {
  if (hostname.includes(".")) return hostname;
  const short = hostname.toLowerCase();
  for (const line of (await readText("/etc/hosts")).split("\n")) {
    const names = line.split("#")[0].trim().split(/\s+/).slice(1);
    const full = names.find((n) => n.toLowerCase().startsWith(`${short}.`));
    if (full && names.some((n) => n.toLowerCase() === short || n === full)) return full;
  }
  const resolv = await readText("/etc/resolv.conf");
  const domain = /^\s*domain\s+(\S+)/m.exec(resolv)?.[1] ?? /^\s*search\s+(\S+)/m.exec(resolv)?.[1];
  return domain ? `${hostname}.${domain}` : hostname;
}

const HYPERVISORS: readonly [RegExp, string][] = [
  [/kvm|qemu|amazon ec2/i, "kvm"],
  [/vmware/i, "vmware"],
  [/virtualbox|innotek/i, "virtualbox"],
  [/xen/i, "xen"],
  [/microsoft corporation.*virtual/i, "hyperv"],
  [/google/i, "gce"],
];

/**
 * "docker", "podman", "lxc"… inside a container (what the runtime tells the
 * host), "kvm", "vmware"… on a known hypervisor, "virtual" on an unknown one,
 * "physical" otherwise.
 */
export async function virtualKind(): Promise<string> {
  const systemd = (await readText("/run/systemd/container")).trim().toLowerCase();
  if (systemd) return systemd;
  if (await exists("/.dockerenv")) return "docker";
  if (await exists("/run/.containerenv")) return "podman";
  const dmi = `${await readText("/sys/class/dmi/id/sys_vendor")} ${await readText("/sys/class/dmi/id/product_name")}`;
  for (const [pattern, kind] of HYPERVISORS) if (pattern.test(dmi)) return kind;
  return /^flags\s*:.*\bhypervisor\b/m.test(await readText("/proc/cpuinfo")) ? "virtual" : "physical";
}

/** The interface of the IPv4 default route, from the kernel's routing table. */
export async function defaultRouteInterface(): Promise<string | undefined> {
  for (const line of (await readText("/proc/net/route")).split("\n").slice(1)) {
    const [iface, destination, , , , , , mask] = line.trim().split(/\s+/);
    if (destination === "00000000" && mask === "00000000") return iface;
  }
  return undefined;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
