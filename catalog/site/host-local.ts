// What "host-local" means for `probes: { local_only: true }` in ancla.yaml: a
// probe may reach only the host it runs on, so a site cannot turn a fleet's
// agents into scanners of other hosts. Local is loopback (localhost,
// *.localhost, 127.0.0.0/8, ::1) or one of the node's own names and addresses
// as its facts report them (certname, hostname, fqdn, networking IPs). Names
// are compared as written (case-insensitive), never resolved: DNS could say
// anything at probe time.
import { isIP } from "node:net";
import type { Facts } from "../compile-seam.js";

export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, "");
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  if (isIP(h) === 4) return h.startsWith("127.");
  return isIP(h) === 6 && /^(0*:)*:?0*1$/.test(h);
}

/** The node's own names and addresses, lower case. */
export function ownNames(certname: string, facts: Facts): Set<string> {
  const names = new Set([certname.toLowerCase()]);
  const add = (v: unknown): void => {
    if (typeof v === "string" && v !== "") names.add(v.toLowerCase());
  };
  add(facts.hostname);
  add(facts.fqdn);
  const net = facts.networking as { ip?: unknown; interfaces?: Record<string, { ip?: unknown }> } | undefined;
  add(net?.ip);
  for (const iface of Object.values(net?.interfaces ?? {})) add(iface?.ip);
  return names;
}

export function isHostLocal(host: string, own: ReadonlySet<string>): boolean {
  return isLoopback(host) || own.has(host.toLowerCase().replace(/\.$/, ""));
}
