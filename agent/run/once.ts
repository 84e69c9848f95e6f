// One agent run: lock, facts, catalog (server or cache), converge, report.
// The report is queued on disk before delivery is tried, so a run made while
// the server is away is reported later; a queued report is removed only once
// the server has acknowledged it. A report the full state dir cannot take is
// still delivered, and if that fails too, the next run's report says it was lost.
import { create, type JsonObject } from "@bufbuild/protobuf";
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Facts } from "../../catalog/compiler.js";
import type { Catalog } from "../../catalog/model.js";
import { LogLineSchema, type LogLine, type Report } from "../../proto/gen/ancla/v1/agent_pb.js";
import { AnclaError } from "../../proto/errors.js";
import { applyCatalog, type ApplyOutcome } from "../engine/apply.js";
import { collectFacts } from "../facts/all.js";
import type { AgentSettings } from "../settings.js";
import { removeOrphanTemps } from "../state/atomic-write.js";
import { ContentBucket } from "../state/bucket.js";
import { ioError } from "../state/io-error.js";
import { stateLayout, type StateLayout } from "../state/layout.js";
import { acquireRunLock } from "../state/lock.js";
import { loadMemory, saveMemory } from "../state/memory.js";
import {
  enqueueReport,
  forgetLostReports,
  listQueuedReports,
  lostReports,
  markReportLost,
  removeQueuedReport,
  type LostReport,
  type QueuedReport,
} from "../state/report-queue.js";
import { agentClient, isUnreachable, type AgentClient } from "../transport.js";
import { renewIfDue, type RenewOptions } from "../renew.js";
import { contentFetcher, contentStreamer } from "./fetch-content.js";
import { obtainCatalog } from "./obtain-catalog.js";
import { buildReport } from "./report.js";
import { exitCodeFor } from "./exit-code.js";

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

async function converge(opts: RunOnceOptions, layout: StateLayout, enrolled: ReturnType<typeof requireEnrollment>, client: AgentClient): Promise<RunResult> {
  const started = new Date();
  const timeoutMs = opts.settings.timeout * 1000;
  const { facts, problems: factProblems } = await collectFacts(opts.settings.factsDir);
  const memory = await loadMemory(layout);
  const obtained = await obtainCatalog({ client, layout, facts, memory, timeoutMs, ...enrolled });
  const lost = await lostReports(layout);
  const logs = [
    ...lost.map(lostReportLine),
    ...factProblems.map((p) => logLine("warning", new AnclaError("ANCLA_E_CONFIG", `external fact ${p}`))),
    ...obtained.problems.map((p) => logLine(obtained.catalog ? "warning" : "err", p)),
  ];
  const renewed = obtained.serverReachable ? await renewal({ client, layout, ...enrolled, renewBeforeDays: opts.settings.renewBeforeDays, timeoutMs }) : undefined;
  if (renewed) logs.push(renewed);
  // Not in noop: a noop run changes nothing on the host, not even leftovers.
  const swept = opts.noop ? [] : await removeOrphanTemps(tempDirs(layout, obtained.catalog));
  if (swept.length > 0) logs.push(infoLine(`removed temp files left by killed runs: ${swept.join(", ")}`));
  logs.forEach((line) => opts.log?.(line));

  let outcome: ApplyOutcome | undefined;
  const late: LogLine[] = [];
  if (obtained.catalog) {
    outcome = await applyCatalog(obtained.catalog, {
      noop: opts.noop,
      fetchContent: contentFetcher(client, enrolled.server, timeoutMs),
      streamContent: contentStreamer(client, enrolled.server, timeoutMs),
      memory: memory.resources,
      log: opts.log,
      bucket: new ContentBucket(layout.bucket),
      stateDir: layout.dir,
    });
    // The host has changed by now: memory that cannot be saved is said in the report, never a reason to lose it.
    if (!opts.noop) {
      await saveMemory(layout, { serial: Math.max(memory.serial, obtained.catalog.serial), resources: outcome.memory }).catch((err: unknown) => {
        late.push(logLine("err", ioError("cannot save the drift memory", err)));
      });
    }
  }
  const report = buildReport({ certname: enrolled.certname, started, noop: opts.noop, catalog: obtained.catalog, source: obtained.source, outcome, logs });
  late.forEach((line) => say(report, line, opts.log));
  const delivery = await queueAndDeliver({ client, layout, facts, report, lost, reachable: obtained.serverReachable, timeoutMs, log: opts.log });
  return { report, exitCode: exitCodeFor(report), serverReachable: obtained.serverReachable, ...delivery };
}

/** A line the report gets after it was built, shown as it happens like the others. */
function say(report: Report, line: LogLine, log: RunOnceOptions["log"]): void {
  report.logs.push(line);
  log?.(line);
}

function lostReportLine(lost: LostReport): LogLine {
  const detail = `the report of run ${lost.runId} (${lost.at.toISOString()}) was lost: it could be neither queued nor delivered`;
  return logLine("warning", new AnclaError("ANCLA_E_REPORT_LOST", detail));
}

/**
 * Where this run's writers may have left temp files when a run was killed: the
 * state dirs, and beside every file and image the catalog manages (the catalog
 * says where; the disk is never scanned).
 */
function tempDirs(layout: StateLayout, catalog: Catalog | undefined): string[] {
  const dirs = [layout.dir, layout.certsDir, layout.reportsDir, layout.bucket];
  for (const { type, title, properties } of catalog?.resources ?? []) {
    if (type === "file") dirs.push(dirname(title));
    if (type === "image" && typeof properties.path === "string") dirs.push(properties.path);
  }
  return dirs;
}

function logLine(level: string, err: AnclaError): LogLine {
  return create(LogLineSchema, { time: new Date().toISOString(), level, message: err.line, code: err.code });
}

function infoLine(message: string): LogLine {
  return create(LogLineSchema, { time: new Date().toISOString(), level: "info", message });
}

/** A failed renewal is a warning, not a failed run: the current certificate is still valid. */
async function renewal(opts: RenewOptions): Promise<LogLine | undefined> {
  try {
    const until = await renewIfDue(opts);
    return until && infoLine(`certificate renewed, valid until ${until.toISOString()}`);
  } catch (err) {
    return logLine("warning", err instanceof AnclaError ? err : new AnclaError("ANCLA_E_CERT_INVALID", String(err)));
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
      say(d.report, logLine("err", ioError("cannot queue the report", err)), d.log);
      return false;
    },
  );
  const pending = await listQueuedReports(d.layout);
  const unqueued = queued ? [] : [{ runId: d.report.runId, report: d.report }];
  const delivered = d.reachable ? await deliverQueued(d, [...pending, ...unqueued]) : new Set<string>();
  if (queued || delivered.has(d.report.runId)) {
    await forgetLostReports(d.layout, d.lost);
  } else {
    await markReportLost(d.layout, d.report.runId).catch((err: unknown) => d.log?.(logLine("err", ioError("cannot note the lost report", err))));
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
