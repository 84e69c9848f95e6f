// The server's Prometheus metrics (prom-client), one registry per server so
// two servers in one process (tests, benches) never share counters. The gRPC
// and catalog services call the small hooks below; the fleet gauges and the
// database size are read from the store when Prometheus scrapes.
import type { RolloutRecord } from "../store/rollouts.js";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Report } from "../../proto/gen/ancla/v1/agent_pb.js";
import { reportRunStatus } from "../report-status.js";
import { fleetSummary, NODE_STATUSES, type StatusOptions } from "../status.js";
import type { Store } from "../store/store.js";
import { Histogram as Latency } from "../../catalog/health/histogram.js";
import type { HealthBatch } from "../store/health.js";

/** How a check-in ended: the agent's catalog was current, a catalog was sent, or it failed (compile error, bad request). */
export type CheckinResult = "not_modified" | "catalog" | "failed";

/** What the agent-facing services report; ServerMetrics implements it. */
export interface AgentMetrics {
  checkin(result: CheckinResult): void;
  /** A ReportRun handled: `stored` false for a redelivered run id; `seconds` is the server's time to store it. */
  report(report: Report, stored: boolean, seconds: number): void;
  /** A ReportHealth batch handled: `stored` false for a redelivered batch id. */
  health(certname: string, batch: HealthBatch, stored: boolean): void;
}

export interface CompileMetrics {
  compiled(seconds: number, ok: boolean): void;
}

export class ServerMetrics implements AgentMetrics, CompileMetrics {
  readonly registry = new Registry();
  private readonly reports = new Counter({ name: "ancla_reports_total", help: "Run reports stored, by what the run means for its node", labelNames: ["run_status"], registers: [this.registry] });
  private readonly duplicates = new Counter({ name: "ancla_reports_duplicate_total", help: "Redelivered run reports (same run id), not stored again", registers: [this.registry] });
  private readonly runDuration = new Histogram({
    name: "ancla_run_duration_seconds",
    help: "Agent run duration as reported",
    buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900],
    registers: [this.registry],
  });
  private readonly ingest = new Histogram({
    name: "ancla_report_ingest_seconds",
    help: "Server time to store one run report (the server has no report queue: ReportRun stores before it answers; agents queue on disk)",
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
    registers: [this.registry],
  });
  private readonly checkins = new Counter({ name: "ancla_checkins_total", help: "Agent check-ins (GetCatalog) by result", labelNames: ["result"], registers: [this.registry] });
  private readonly compileTime = new Histogram({
    name: "ancla_catalog_compile_seconds",
    help: "Catalog compile time (successful or not)",
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  private readonly compileFailures = new Counter({ name: "ancla_catalog_compile_failures_total", help: "Compiles that failed (site problems)", registers: [this.registry] });
  private readonly pruned = new Counter({ name: "ancla_reports_pruned_total", help: "Reports deleted by retention", registers: [this.registry] });
  private readonly internalErrors = new Counter({
    name: "ancla_internal_errors_total",
    help: "Requests the server failed itself (answered INTERNAL or 5xx; each is logged at error with its cause), by API and call",
    labelNames: ["api", "call"],
    registers: [this.registry],
  });

  private readonly healthBatches = new Counter({
    name: "ancla_health_batches_total",
    help: "ReportHealth batches, stored or redelivered (same batch id, not stored again)",
    labelNames: ["result"],
    registers: [this.registry],
  });
  // Per node and probe, so a Prometheus user sees what the agents' probes saw (and can write their own alerts and analysis queries).
  private readonly probeAttempts = new Counter({
    name: "ancla_probe_attempts_total",
    help: "Probe attempts the agents reported, per node and probe",
    labelNames: ["node", "probe"],
    registers: [this.registry],
  });
  private readonly probeErrors = new Counter({
    name: "ancla_probe_errors_total",
    help: "Failed probe attempts the agents reported, per node, probe and kind (timeout, refused, status, body)",
    labelNames: ["node", "probe", "kind"],
    registers: [this.registry],
  });
  private readonly probeP95 = new Gauge({
    name: "ancla_probe_latency_p95_seconds",
    help: "P95 latency of a node's probe in the latest window it reported (the full histograms are in the health store: ancla analysis, /nodes/NAME/probes)",
    labelNames: ["node", "probe"],
    registers: [this.registry],
  });

  constructor(store: Store, statusOptions: () => StatusOptions) {
    // Pre-set label values so every series exists from the first scrape (rate() needs a zero to start from).
    for (const result of ["not_modified", "catalog", "failed"]) this.checkins.inc({ result }, 0);
    new Gauge({
      name: "ancla_nodes",
      help: "Nodes by status, evaluated at scrape time",
      labelNames: ["status"],
      registers: [this.registry],
      async collect() {
        const { byStatus } = await fleetSummary(store, statusOptions());
        for (const status of NODE_STATUSES) this.set({ status }, byStatus[status]);
      },
    });
    new Gauge({
      name: "ancla_database_size_bytes",
      help: "Size of the server database",
      registers: [this.registry],
      async collect() {
        this.set(await store.sizeBytes());
      },
    });
    collectDefaultMetrics({ register: this.registry, prefix: "ancla_server_" });
  }

  /**
   * ancla_certificate_expiry_timestamp_seconds{certificate="ca|server|signing"}:
   * alert on `- time() < 30 * 86400`. Read from the data dir at scrape time, so
   * a renewal shows at once.
   */
  certificateExpiries(read: () => Record<string, Date>): void {
    new Gauge({
      name: "ancla_certificate_expiry_timestamp_seconds",
      help: "When the server's own certificates expire (CA, TLS, catalog signing), Unix seconds; server and signing are renewed 30 days ahead, the CA is not",
      labelNames: ["certificate"],
      registers: [this.registry],
      collect() {
        for (const [certificate, notAfter] of Object.entries(read())) this.set({ certificate }, Math.floor(notAfter.getTime() / 1000));
      },
    });
  }

  /** Compiles running on the pool's workers and waiting for one, read when Prometheus scrapes. */
  compilePool(read: () => { busy: number; queued: number }): void {
    const gauges = [
      { name: "ancla_compile_workers_busy", help: "Compile workers running a node's compile now (compile_workers of them at most)", value: "busy" },
      { name: "ancla_compile_queue", help: "Compiles waiting for a free compile worker", value: "queued" },
    ] as const;
    for (const { name, help, value } of gauges) {
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(read()[value]);
        },
      });
    }
  }

  /** The rollouts that have not ended: their state, step and nodes on each release, per environment, read when Prometheus scrapes. */
  rollouts(read: () => { record: RolloutRecord; moved: number; total: number }[]): void {
    type Active = ReturnType<typeof read>[number];
    /** Each sample: the labels it adds to the rollout's, and its value. */
    type Samples = [Record<string, string>, number][];
    const gauges = [
      { name: "ancla_rollout_state", help: "1 for each rollout that has not ended, labelled with its state", labels: ["environment", "rollout", "state"], samples: (_a: Active): Samples => [[{}, 1]] },
      {
        name: "ancla_rollout_step",
        help: "The step a rollout is at (0-based; the number of steps once all are done and the last nodes move)",
        labels: ["environment", "rollout"],
        samples: (a: Active): Samples => [[{}, a.record.step]],
      },
      {
        name: "ancla_rollout_nodes",
        help: "Nodes of a rollout's environment on its target release (moved) and on the stable release (the control)",
        labels: ["environment", "rollout", "release"],
        samples: (a: Active): Samples => [
          [{ release: "target" }, a.moved],
          [{ release: "stable" }, a.total - a.moved],
        ],
      },
    ] as const;
    for (const { name, help, labels, samples } of gauges) {
      new Gauge({
        name,
        help,
        labelNames: labels,
        registers: [this.registry],
        collect() {
          this.reset();
          for (const active of read()) {
            const base = { environment: active.record.environment, rollout: active.record.id, state: active.record.state };
            for (const [extra, value] of samples(active)) {
              const all: Record<string, string> = { ...base, ...extra };
              this.set(Object.fromEntries(labels.map((l) => [l, all[l]])), value);
            }
          }
        },
      });
    }
  }

  /** ancla_watch_streams: the agents holding a Watch stream open (those a run now reaches at once), read when Prometheus scrapes. */
  watchStreams(read: () => number): void {
    new Gauge({
      name: "ancla_watch_streams",
      help: "Open Watch streams: agents running as daemons that a run now (ancla run, rollouts) reaches at once",
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }

  checkin(result: CheckinResult): void {
    this.checkins.inc({ result });
  }

  report(report: Report, stored: boolean, seconds: number): void {
    if (!stored) {
      this.duplicates.inc();
      return;
    }
    this.reports.inc({ run_status: reportRunStatus(report) });
    this.runDuration.observe(report.durationMs / 1000);
    this.ingest.observe(seconds);
  }

  health(certname: string, batch: HealthBatch, stored: boolean): void {
    this.healthBatches.inc({ result: stored ? "stored" : "duplicate" });
    if (!stored) return;
    const latest = new Map<string, HealthBatch["probes"][number]>();
    for (const w of batch.probes) {
      const labels = { node: certname, probe: w.probe };
      this.probeAttempts.inc(labels, w.count);
      for (const [kind, n] of Object.entries(w.errors)) if (n > 0) this.probeErrors.inc({ ...labels, kind }, n);
      const seen = latest.get(w.probe);
      if (!seen || seen.at <= w.at) latest.set(w.probe, w);
    }
    for (const [probe, w] of latest) {
      const p95 = new Latency().add(w.latency).quantile(0.95);
      if (p95 !== undefined) this.probeP95.set({ node: certname, probe }, p95 / 1000);
    }
  }

  compiled(seconds: number, ok: boolean): void {
    this.compileTime.observe(seconds);
    if (!ok) this.compileFailures.inc();
  }

  /** `call` is the gRPC method ("AgentService/ReportRun") or the HTTP route ("GET /api/v1/certs"), never a raw URL, so the series stay few. */
  internalError(api: "grpc" | "http", call: string): void {
    this.internalErrors.inc({ api, call });
  }

  prunedReports(count: number): void {
    this.pruned.inc(count);
  }

  /** The text exposition format, and its content type. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
