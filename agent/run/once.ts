// One agent run: lock, facts, catalog (server or cache), converge, report.
// The report is queued on disk before delivery is tried, so a run made while
// the server is away is reported later and never lost.
import { create, type JsonObject } from "@bufbuild/protobuf";
import { readFileSync } from "node:fs";
import type { Facts } from "../../catalog/compiler.js";
import { LogLineSchema, type LogLine, type Report } from "../../proto/gen/ancla/v1/agent_pb.js";
import { AnclaError } from "../../proto/errors.js";
import { applyCatalog, type ApplyOutcome } from "../engine/apply.js";
import { collectFacts } from "../facts/all.js";
import type { AgentSettings } from "../settings.js";
import { ContentBucket } from "../state/bucket.js";
import { stateLayout, type StateLayout } from "../state/layout.js";
import { acquireRunLock } from "../state/lock.js";
import { loadMemory, saveMemory } from "../state/memory.js";
import { enqueueReport, listQueuedReports, removeQueuedReport } from "../state/report-queue.js";
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
  const logs = [
    ...factProblems.map((p) => logLine("warning", new AnclaError("ANCLA_E_CONFIG", `external fact ${p}`))),
    ...obtained.problems.map((p) => logLine(obtained.catalog ? "warning" : "err", p)),
  ];
  const renewed = obtained.serverReachable ? await renewal({ client, layout, ...enrolled, renewBeforeDays: opts.settings.renewBeforeDays, timeoutMs }) : undefined;
  if (renewed) logs.push(renewed);
  logs.forEach((line) => opts.log?.(line));

  let outcome: ApplyOutcome | undefined;
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
    if (!opts.noop) await saveMemory(layout, { serial: Math.max(memory.serial, obtained.catalog.serial), resources: outcome.memory });
  }
  const report = buildReport({ certname: enrolled.certname, started, noop: opts.noop, catalog: obtained.catalog, source: obtained.source, outcome, logs });
  await enqueueReport(layout, report);
  const delivery = obtained.serverReachable ? await deliverQueued(client, layout, facts, report.runId, timeoutMs) : { delivered: 0, stillQueued: (await listQueuedReports(layout)).length };
  return { report, exitCode: exitCodeFor(report), serverReachable: obtained.serverReachable, ...delivery };
}

function logLine(level: string, err: AnclaError): LogLine {
  return create(LogLineSchema, { time: new Date().toISOString(), level, message: err.line, code: err.code });
}

/** A failed renewal is a warning, not a failed run: the current certificate is still valid. */
async function renewal(opts: RenewOptions): Promise<LogLine | undefined> {
  try {
    const until = await renewIfDue(opts);
    return until && create(LogLineSchema, { time: new Date().toISOString(), level: "info", message: `certificate renewed, valid until ${until.toISOString()}` });
  } catch (err) {
    return logLine("warning", err instanceof AnclaError ? err : new AnclaError("ANCLA_E_CERT_INVALID", String(err)));
  }
}

/**
 * Delivers queued reports oldest first. Stops at the first "server away";
 * a report the server refuses outright stays queued for a human to inspect.
 */
async function deliverQueued(client: AgentClient, layout: StateLayout, facts: Facts, currentRunId: string, timeoutMs: number): Promise<{ delivered: number; stillQueued: number }> {
  const queued = await listQueuedReports(layout);
  let delivered = 0;
  for (const { runId, report } of queued) {
    try {
      await client.reportRun({ report, facts: runId === currentRunId ? (facts as JsonObject) : undefined }, { timeoutMs });
      await removeQueuedReport(layout, runId);
      delivered++;
    } catch (err) {
      if (isUnreachable(err)) break;
    }
  }
  return { delivered, stillQueued: queued.length - delivered };
}
