// Core facts: the stable names every site can rely on (DESIGN.md "The site").
//
// All from node:os and from /etc, /proc and /sys (local.ts), which answer at
// once: `ancla-agent facts` and every masterless compile pay for them. No
// command is run (systeminformation, used before, ran lscpu through a shell
// and cost half of the facts command's 0.12 s), and nothing can hang on DNS
// or the kernel.
import * as os from "node:os";
import type { Facts } from "../../catalog/compile-seam.js";
import type { JsonValue } from "../../catalog/model.js";
import { defaultRouteInterface, fqdn, osFamily, readOsRelease, virtualKind } from "./local.js";

export async function collectCoreFacts(): Promise<Facts> {
  const [release, virtual, domainName, routeIface] = await Promise.all([readOsRelease(), virtualKind(), fqdn(os.hostname()), defaultRouteInterface()]);
  const cpus = os.cpus();
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
    // Logical CPUs online, and the model as /proc/cpuinfo names it.
    cpu: { count: cpus.length || os.availableParallelism(), model: cpus[0]?.model.trim() ?? "" },
    memory: { total_bytes: os.totalmem() },
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
