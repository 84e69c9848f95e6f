// How busy the host is, read cheaply: CPU busy from the difference of two
// /proc/stat readings, memory used from /proc/meminfo (1 − MemAvailable ÷
// MemTotal), the 1-minute load from /proc/loadavg divided by the CPUs, and
// the used share of each mount holding a path the catalog manages (disks.ts).
// A few small reads of /proc per window: no process is started.
import type { MessageInitShape } from "@bufbuild/protobuf";
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import type { SaturationWindowSchema } from "../../proto/gen/ancla/v1/agent_pb.js";
import { diskUsage } from "./disks.js";

export type SaturationWindowInit = MessageInitShape<typeof SaturationWindowSchema>;

export interface CpuTimes {
  busy: number;
  total: number;
}

/** The aggregate `cpu` line of /proc/stat: busy is everything but idle and iowait. */
export function readCpuTimes(stat = readFileSync("/proc/stat", "utf8")): CpuTimes {
  const line = stat.slice(0, stat.indexOf("\n"));
  // user nice system idle iowait irq softirq steal (guest and guest_nice are already in user and nice).
  const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = f.reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
  return { busy: total - (f[3] ?? 0) - (f[4] ?? 0), total };
}

/** CPU busy between two readings, 0..1; undefined when no tick passed between them. */
export function cpuBusy(from: CpuTimes, to: CpuTimes): number | undefined {
  const total = to.total - from.total;
  if (total <= 0) return undefined;
  return clamp01((to.busy - from.busy) / total);
}

/** 1 − MemAvailable ÷ MemTotal. */
export function readMemoryUsed(meminfo = readFileSync("/proc/meminfo", "utf8")): number {
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(meminfo)?.[1] ?? NaN);
  const total = kb("MemTotal");
  const available = kb("MemAvailable");
  return total > 0 && Number.isFinite(available) ? clamp01(1 - available / total) : 0;
}

/** The 1-minute load average ÷ the CPUs this process may use. Not capped: above 1, work waits for a CPU. */
export function readLoadPerCore(loadavg = readFileSync("/proc/loadavg", "utf8")): number {
  const load = Number(loadavg.split(" ")[0]);
  return Number.isFinite(load) ? load / availableParallelism() : 0;
}

/**
 * Saturation over consecutive windows: each sample() covers the time since
 * the previous one (the first, since the sampler was made).
 */
export class SaturationSampler {
  private lastCpu: CpuTimes;
  private lastAt: number;
  private managed: readonly string[] = [];

  constructor(private readonly now: () => number = Date.now) {
    this.lastCpu = readCpuTimes();
    this.lastAt = now();
  }

  /** The paths the catalog manages, whose mounts are reported. */
  setManagedPaths(paths: readonly string[]): void {
    this.managed = paths;
  }

  sample(): SaturationWindowInit {
    const at = this.now();
    const cpu = readCpuTimes();
    const busy = cpuBusy(this.lastCpu, cpu);
    const window: SaturationWindowInit = {
      endedAtMs: BigInt(Math.round(at)),
      durationMs: Math.max(0, Math.round(at - this.lastAt)),
      cpuBusy: busy ?? 0,
      memoryUsed: readMemoryUsed(),
      loadPerCore: readLoadPerCore(),
      disks: diskUsage(this.managed),
    };
    // A window too short for a tick keeps the older reading, so the next one measures from there.
    if (busy !== undefined) {
      this.lastCpu = cpu;
    }
    this.lastAt = at;
    return window;
  }
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}
