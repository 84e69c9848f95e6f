// One agent run: lock, facts, catalog (server or cache), converge, report.
// The report is queued on disk before delivery is tried, so a run made while
// the server is away is reported later; a queued report is removed only once
// the server has acknowledged it. A report the full state dir cannot take is
// still delivered, and if that fails too, the next run's report says it was lost.
import type { JsonObject } from "@bufbuild/protobuf";
import { readFileSync } from "node:fs";
import type { Facts } from "../../catalog/compile-seam.js";
import { LogLevel, type LogLine, type Report } from "../../proto/gen/ancla/v1/agent_pb.js";
import { AnclaError } from "../../core/errors.js";
import { collectFacts } from "../facts/all.js";
import type { AgentSettings } from "../settings.js";
import { ioError } from "../state/io-error.js";
import { stateLayout, type StateLayout } from "../state/layout.js";
import { acquireRunLock } from "../state/lock.js";
import type { AgentMemory } from "../state/memory.js";
import { enqueueReport, forgetLostReports, listQueuedReports, lostReports, markReportLost, removeQueuedReport, type LostReport, type QueuedReport } from "../state/report-queue.js";
import { agentClient, isUnreachable, type AgentClient } from "../transport.js";
import { renewIfDue, type RenewOptions } from "../renew.js";
import { contentFetcher, contentStreamer } from "./fetch-content.js";
import { obtainCatalog } from "./obtain-catalog.js";
import { exitCodeFor } from "./exit-code.js";
import { convergeFrom, infoLine, logLine, say, type CatalogSource, type ObtainedCatalog } from "./pipeline.js";

export interface RunOnceOptions {
  settings: AgentSettings;
  noop: boolean;
  /** Receives log lines as they happen. */
  log?: (line: LogLine) => void;
}

export interface RunResult {
  report: Report;
  exitCode: number;
  /** Could the server be reached at all (drives the daemon's backoff)? */
  serverReachable: boolean;
  delivered: number;
  stillQueued: number;
}

function requireEnrollment(settings: AgentSettings, layout: StateLayout): { server: string; certname: string; caCertPem: string } {
  if (!settings.server || !settings.certname) throw new AnclaError("ANCLA_E_NOT_BOOTSTRAPPED", `no enrollment in ${layout.dir}`);
  try {
    return { server: settings.server, certname: settings.certname, caCertPem: readFileSync(layout.caCert, "utf8") };
  } catch {
    throw new AnclaError("ANCLA_E_NOT_BOOTSTRAPPED", `${layout.caCert} is missing`);
  }
}

export async function runOnce(opts: RunOnceOptions): Promise<RunResult> {
  const layout = stateLayout(opts.settings.stateDir);
  const enrolled = requireEnrollment(opts.settings, layout);
  const lock = await acquireRunLock(layout);
  const client = agentClient(enrolled.server, layout);
  try {
    return await converge(opts, layout, enrolled, client);
  } finally {
    client.close();
    await lock.release();
  }
}

async function converge(opts: RunOnceOptions, layout: StateLayout, enrolled: Enrollment, client: AgentClient): Promise<RunResult> {
  const timeoutMs = opts.settings.timeout * 1000;
  const source = new ServerCatalog(opts, layout, enrolled, client, timeoutMs);
  const report = await convergeFrom({ layout, certname: enrolled.certname, noop: opts.noop, source, log: opts.log });
  const { facts, reachable, lost } = source.seen();
  const delivery = await queueAndDeliver({ client, layout, facts, report, lost, reachable, timeoutMs, log: opts.log });
  return { report, exitCode: exitCodeFor(report), serverReachable: reachable, ...delivery };
}

type Enrollment = ReturnType<typeof requireEnrollment>;

/**
 * The server's catalog (or the verified cache when it is away): facts for the
 * check-in, the catalog, earlier lost reports and a due certificate renewal,
 * kept for delivering the report afterwards.
 */
class ServerCatalog implements CatalogSource {
  private facts: Facts = {};
  private reachable = false;
  private lost: LostReport[] = [];
  readonly fetchContent: CatalogSource["fetchContent"];
  readonly streamContent: CatalogSource["streamContent"];

  constructor(
    private readonly opts: RunOnceOptions,
    private readonly layout: StateLayout,
    private readonly enrolled: Enrollment,
    private readonly client: AgentClient,
    private readonly timeoutMs: number,
  ) {
    this.fetchContent = contentFetcher(client, enrolled.server, timeoutMs);
    this.streamContent = contentStreamer(client, enrolled.server, timeoutMs);
  }

  async obtain(memory: AgentMemory): Promise<ObtainedCatalog> {
    const { client, layout, enrolled, timeoutMs } = this;
    const gathered = await collectFacts(this.opts.settings.factsDir);
    this.facts = gathered.facts;
    const obtained = await obtainCatalog({ client, layout, facts: this.facts, memory, timeoutMs, ...enrolled });
    this.reachable = obtained.serverReachable;
    this.lost = await lostReports(layout);
    const logs = [
      ...this.lost.map(lostReportLine),
      ...gathered.problems.map((p) => logLine(LogLevel.WARNING, new AnclaError("ANCLA_E_CONFIG", `external fact ${p}`))),
      ...obtained.problems.map((p) => logLine(obtained.catalog ? LogLevel.WARNING : LogLevel.ERROR, p)),
    ];
    const renewed = this.reachable ? await renewal({ client, layout, ...enrolled, renewBeforeDays: this.opts.settings.renewBeforeDays, timeoutMs }) : undefined;
    if (renewed) logs.push(renewed);
    return { catalog: obtained.catalog, source: obtained.source, logs, serialCounts: true };
  }

  /** What delivering the report needs from the check-in. */
  seen(): { facts: Facts; reachable: boolean; lost: LostReport[] } {
    return { facts: this.facts, reachable: this.reachable, lost: this.lost };
  }
}

function lostReportLine(lost: LostReport): LogLine {
  const detail = `the report of run ${lost.runId} (${lost.at.toISOString()}) was lost: it could be neither queued nor delivered`;
  return logLine(LogLevel.WARNING, new AnclaError("ANCLA_E_REPORT_LOST", detail));
}

/** A failed renewal is a warning, not a failed run: the current certificate is still valid. */
async function renewal(opts: RenewOptions): Promise<LogLine | undefined> {
  try {
    const until = await renewIfDue(opts);
    return until && infoLine(`certificate renewed, valid until ${until.toISOString()}`);
  } catch (err) {
    return logLine(LogLevel.WARNING, err instanceof AnclaError ? err : new AnclaError("ANCLA_E_CERT_INVALID", String(err)));
  }
}

interface Delivery {
  client: AgentClient;
  layout: StateLayout;
  facts: Facts;
  report: Report;
  /** Reports of earlier runs that were lost: this run's report tells of them. */
  lost: LostReport[];
  reachable: boolean;
  timeoutMs: number;
  log: RunOnceOptions["log"];
}

/**
 * Queues this run's report and delivers the queue. When the report cannot be
 * queued (a full state dir), it is delivered straight from memory; when that
 * fails too, a note says it was lost, and the next run's report tells of it.
 */
async function queueAndDeliver(d: Delivery): Promise<{ delivered: number; stillQueued: number }> {
  const queued = await enqueueReport(d.layout, d.report).then(
    () => true,
    (err: unknown) => {
      say(d.report, logLine(LogLevel.ERROR, ioError("cannot queue the report", err)), d.log);
      return false;
    },
  );
  const pending = await listQueuedReports(d.layout);
  const unqueued = queued ? [] : [{ runId: d.report.runId, report: d.report }];
  const delivered = d.reachable ? await deliverQueued(d, [...pending, ...unqueued]) : new Set<string>();
  if (queued || delivered.has(d.report.runId)) {
    await forgetLostReports(d.layout, d.lost);
  } else {
    await markReportLost(d.layout, d.report.runId).catch((err: unknown) => d.log?.(logLine(LogLevel.ERROR, ioError("cannot note the lost report", err))));
  }
  return { delivered: delivered.size, stillQueued: pending.filter((q) => !delivered.has(q.runId)).length };
}

/**
 * Delivers reports oldest first and answers the run ids the server acknowledged.
 * Stops at the first "server away"; a report the server refuses outright stays
 * queued for a human to inspect. A queued report is removed only after the
 * acknowledgement: a failure in between delivers it again, never loses it.
 */
async function deliverQueued(d: Delivery, reports: QueuedReport[]): Promise<Set<string>> {
  const delivered = new Set<string>();
  for (const { runId, report } of reports) {
    try {
      await d.client.reportRun({ report, facts: runId === d.report.runId ? (d.facts as JsonObject) : undefined }, { timeoutMs: d.timeoutMs });
      delivered.add(runId);
      await removeQueuedReport(d.layout, runId);
    } catch (err) {
      if (isUnreachable(err)) break;
    }
  }
  return delivered;
}
