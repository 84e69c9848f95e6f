// The daemon's health monitoring between runs: the probes of the catalog the
// agent holds (scheduler.ts), the host's saturation (saturation.ts), and every
// window (10 s) what they measured handed to the sender (sender.ts), which
// delivers it over ReportHealth or queues it on disk.
//
// It never delays a run. Probes run on their own unref'd timers with bounded
// concurrency; a flush is plain async I/O on the health queue and its own
// gRPC channel, and takes no lock a run needs (not the run lock, not the
// report queue). A flush still under way when the next window ends (a server
// slow to answer) is not waited for: that window goes straight to the on-disk
// queue and the next flush delivers it, in order. A failing flush is logged,
// never thrown.
//
// Disks: the saturation windows report the mounts holding the paths the
// catalog manages (disks.ts managedPaths: its files and images) and the
// mount of the agent's state dir, where its queues and bucket live.
import { statSync } from "node:fs";
import { resolve } from "node:path";
import type { Catalog } from "../../catalog/model.js";
import { AnclaError } from "../../core/errors.js";
import type { AgentSettings } from "../settings.js";
import { stateLayout, type StateLayout } from "../state/layout.js";
import { agentClient, reportHealth, type AgentClient } from "../transport.js";
import { managedPaths } from "./disks.js";
import { heldCatalog } from "./held-catalog.js";
import { HealthQueue, newBatchId } from "./queue.js";
import { SaturationSampler, type SaturationWindowInit } from "./saturation.js";
import { ProbeScheduler, type SchedulerOptions } from "./scheduler.js";
import { HealthSender, type FlushResult, type SendBatch } from "./sender.js";
import type { ProbeWindowInit } from "./window.js";

/** How often windows are cut and flushed. */
export const DEFAULT_WINDOW_MS = 10_000;

export interface HealthMonitorOptions {
  layout: StateLayout;
  send: SendBatch;
  /** Milliseconds between flushes (default DEFAULT_WINDOW_MS). */
  windowMs?: number;
  /** One line per thing worth saying (a failing flush, the server not taking batches, and back). */
  log?: (line: string) => void;
  scheduler?: SchedulerOptions;
  /** The on-disk queue's bound (tests). */
  queueLimit?: number;
}

export class HealthMonitor {
  readonly scheduler: ProbeScheduler;
  private readonly sampler: SaturationSampler | undefined;
  private readonly queue: HealthQueue;
  private readonly sender: HealthSender;
  private readonly log: (line: string) => void;
  private readonly stateDir: string;
  private readonly healthDir: string;
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  /** Did the last flush get its batch taken? Only a change is logged, not every window of an absent server. */
  private taking: boolean | undefined;

  constructor(opts: HealthMonitorOptions) {
    this.log = opts.log ?? (() => undefined);
    this.scheduler = new ProbeScheduler(opts.scheduler);
    this.queue = new HealthQueue(opts.layout, opts.queueLimit);
    this.sender = new HealthSender(this.queue, opts.send, this.log);
    this.stateDir = resolve(opts.layout.dir);
    this.healthDir = opts.layout.healthDir;
    this.sampler = this.newSampler();
    this.sampler?.setManagedPaths([this.stateDir]);
    this.timer = setInterval(() => void this.flush(), opts.windowMs ?? DEFAULT_WINDOW_MS);
    this.timer.unref();
  }

  /** Probes the catalog's probes from now on (none when it has none), and reports the mounts of the paths it manages. */
  update(catalog: Pick<Catalog, "probes" | "siteVersion" | "resources">): void {
    if (this.stopping) return;
    this.scheduler.setProbes(catalog.probes ?? [], catalog.siteVersion);
    this.sampler?.setManagedPaths([...new Set([...managedPaths(catalog), this.stateDir])]);
  }

  /**
   * Cuts the finished windows and a saturation window and flushes them. While
   * an earlier flush is still under way, they are queued on disk instead (the
   * next flush delivers them). Never throws.
   */
  async flush(): Promise<void> {
    const probes = this.scheduler.cut().map(atLeastOneMs);
    const saturation = this.sampleSaturation();
    if (this.flushing) return this.park(probes, saturation);
    const flushing = this.deliver(probes, saturation).finally(() => {
      if (this.flushing === flushing) this.flushing = undefined;
    });
    this.flushing = flushing;
    return flushing;
  }

  /** No more probes or flushes; waits for the attempts and the flush under way, then flushes what they measured. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      clearInterval(this.timer);
      await this.scheduler.stop();
      while (this.flushing) await this.flushing;
      await this.flush();
    })();
    return this.stopping;
  }

  private newSampler(): SaturationSampler | undefined {
    try {
      return new SaturationSampler();
    } catch (err) {
      this.log(`health: no saturation windows: cannot read /proc (${(err as Error).message})`);
      return undefined;
    }
  }

  /** A saturation window of the time since the last; none when no time passed (the server refuses a 0 ms window). */
  private sampleSaturation(): SaturationWindowInit[] {
    if (!this.sampler) return [];
    try {
      const w = this.sampler.sample();
      return (w.durationMs ?? 0) > 0 ? [w] : [];
    } catch (err) {
      this.log(`health: cannot sample saturation: ${(err as Error).message}`);
      return [];
    }
  }

  private async deliver(probes: ProbeWindowInit[], saturation: SaturationWindowInit[]): Promise<void> {
    let result: FlushResult;
    try {
      result = await this.sender.flush(probes, saturation);
    } catch (err) {
      this.log(`health: cannot deliver or queue the health windows: ${(err as Error).message}`);
      return;
    }
    if (result.queued > 0 && this.taking !== false) this.log(`health: the server did not take the health batch; queued in ${this.healthDir}, sent when it does`);
    if (result.queued === 0 && result.delivered > 0 && this.taking === false) this.log("health: the server takes health batches again; the queued ones are delivered");
    if (result.queued > 0) this.taking = false;
    else if (result.delivered > 0) this.taking = true;
  }

  private async park(probes: ProbeWindowInit[], saturation: SaturationWindowInit[]): Promise<void> {
    if (probes.length + saturation.length === 0) return;
    try {
      const dropped = await this.queue.add({ batchId: newBatchId(), probes, saturation });
      if (dropped > 0) this.log(`health: the queue is full; dropped the ${dropped} oldest batch(es)`);
    } catch (err) {
      this.log(`health: cannot queue the health windows: ${(err as Error).message}`);
    }
  }
}

/** A window that had attempts lasts at least 1 ms (the server refuses 0 ms; only a cut in the same millisecond makes one). */
function atLeastOneMs(w: ProbeWindowInit): ProbeWindowInit {
  return (w.durationMs ?? 0) > 0 ? w : { ...w, durationMs: 1 };
}

/**
 * ReportHealth on a channel of its own (not the run's), made again when the
 * agent's certificate file changes (a renewal), so a flush never waits for a
 * run and always presents the current certificate.
 */
export function serverSendBatch(settings: Pick<AgentSettings, "server" | "stateDir" | "timeout">): { send: SendBatch; close(): void } {
  const layout = stateLayout(settings.stateDir);
  let client: AgentClient | undefined;
  let made = "";
  return {
    send: async (batch) => {
      const server = settings.server;
      if (!server) throw new AnclaError("ANCLA_E_NOT_BOOTSTRAPPED", `no server in ${layout.dir}`);
      const stamp = certificateStamp(layout.agentCert);
      if (!client || stamp !== made) {
        client?.close();
        client = undefined;
        client = agentClient(server, layout);
        made = stamp;
      }
      return reportHealth(client, server, batch, settings.timeout * 1000);
    },
    close: () => client?.close(),
  };
}

function certificateStamp(path: string): string {
  try {
    const st = statSync(path);
    return `${st.mtimeMs}:${st.size}:${st.ino}`;
  } catch {
    return "";
  }
}

/** What the daemon holds of health monitoring (daemon.ts). */
export interface DaemonHealth {
  /** Probes the catalog the agent holds now (the verified cache); a missing or refused one leaves the probes as they are. Never throws. */
  refresh(): Promise<void>;
  /** Stops the probes and flushes for the last time. */
  stop(): Promise<void>;
}

/** The daemon's monitor: ReportHealth to the enrolled server, probes from the held catalog. */
export function daemonHealth(settings: AgentSettings, log: (line: string) => void, windowMs = settings.healthWindow * 1000): DaemonHealth {
  const transport = serverSendBatch(settings);
  const monitor = new HealthMonitor({ layout: stateLayout(settings.stateDir), send: transport.send, log, windowMs });
  let digest: string | undefined;
  let refreshing = Promise.resolve();
  return {
    refresh: () => {
      // One at a time, in order: the latest catalog is the one that stays.
      refreshing = refreshing
        .then(async () => {
          const held = await heldCatalog(settings);
          if (!held.catalog) {
            if (!held.absent) log(`health: probes unchanged: ${held.problem.line}`);
            return;
          }
          monitor.update(held.catalog);
          if (held.catalog.digest !== digest) {
            digest = held.catalog.digest;
            const n = held.catalog.probes?.length ?? 0;
            log(`health: ${n} probe(s) from catalog ${digest.slice(0, 12)} (site version ${held.catalog.siteVersion || "-"})`);
          }
        })
        .catch((err: unknown) => log(`health: cannot read the held catalog: ${(err as Error).message}`));
      return refreshing;
    },
    stop: async () => {
      await refreshing;
      await monitor.stop();
      transport.close();
    },
  };
}
