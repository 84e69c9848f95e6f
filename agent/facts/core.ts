// Core facts: the stable names every site can rely on (DESIGN.md "The site").
//
// systeminformation answers cpu and memory; each of its probes is raced against
// FACT_SOURCE_TIMEOUT_MS and falls back to node:os. Its os, system and network
// probes are not used: on Linux they run commands through execSync with no
// timeout (`hostname -f` waits on DNS, dmidecode and dmesg on the kernel),
// which blocks the event loop so no timeout can cut them short. Those facts
// come from /etc, /proc and /sys instead (local.ts), which answer at once.
import * as os from "node:os";
import si from "systeminformation";
import type { Facts } from "../../catalog/compiler.js";
import type { JsonValue } from "../../catalog/model.js";
import { defaultRouteInterface, fqdn, osFamily, readOsRelease, virtualKind } from "./local.js";

export const FACT_SOURCE_TIMEOUT_MS = 150;


/** The value of `source`, or undefined when it fails or takes longer than `ms`. */
export async function within<T>(source: Promise<T> | (() => Promise<T>), ms: number = FACT_SOURCE_TIMEOUT_MS): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, ms, undefined);
  });
  try {
    const pending = typeof source === "function" ? source() : source;
    return await Promise.race([pending.catch(() => undefined), timeout]);
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

export async function collectCoreFacts(): Promise<Facts> {
  const [cpu, mem, release, virtual, domainName, routeIface] = await Promise.all([
    within(() => si.cpu()),
    within(() => si.mem()),
    readOsRelease(),
    virtualKind(),
    fqdn(os.hostname()),
    defaultRouteInterface(),
  ]);
  return {
    os: {
      family: osFamily(release, os.platform()),
      name: release.NAME ?? os.type(),
      release: release.VERSION_ID ?? os.release(),
      codename: release.VERSION_CODENAME ?? "",
      arch: os.arch(),
    },
    kernel: os.release(),
    hostname: os.hostname().split(".")[0],
    fqdn: domainName,
    virtual,
    cpu: {
      count: cpu?.cores || os.cpus().length,
      model: (cpu && [cpu.manufacturer, cpu.brand].filter(Boolean).join(" ")) || os.cpus()[0]?.model || "",
    },
    memory: { total_bytes: mem?.total || os.totalmem() },
    networking: networking(routeIface),
    uptime_seconds: Math.floor(os.uptime()),
  };
}

interface NetworkFacts {
  [key: string]: JsonValue;
  /** The IPv4 address of the default-route interface, else the first non-loopback one. */
  ip: string;
  interfaces: { [name: string]: { ip: string; mac: string } };
}

function networking(routeIface: string | undefined): NetworkFacts {
  const interfaces: NetworkFacts["interfaces"] = {};
  let firstExternal = "";
  for (const [name, addrs = []] of Object.entries(os.networkInterfaces())) {
    const v4 = addrs.find((a) => a.family === "IPv4");
    interfaces[name] = { ip: v4?.address ?? "", mac: addrs[0]?.mac ?? "" };
    if (!firstExternal && v4 && !v4.internal) firstExternal = v4.address;
  }
  const routed = routeIface ? interfaces[routeIface]?.ip : undefined;
  return { ip: routed || firstExternal, interfaces };
}
