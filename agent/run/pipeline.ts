// The one run pipeline, for a server-driven run (once.ts) and a masterless one
// (masterless/apply.ts) alike: drift memory, the catalog from a source, the
// leftovers of killed runs, apply, memory saved, the report. Only where the
// catalog comes from (and, for a server run, delivering the report) differs.
// The caller holds the run lock around it.
import { create } from "@bufbuild/protobuf";
import { readFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { Catalog } from "../../catalog/model.js";
import { LogLevel, LogLineSchema, type LogLine, type Report } from "../../proto/gen/ancla/v1/agent_pb.js";
import type { AnclaError } from "../../core/errors.js";
import { applyCatalog, type ApplyContext } from "../engine/apply.js";
import { removeOrphanTemps } from "../state/atomic-write.js";
import { ContentBucket } from "../state/bucket.js";
import { ioError } from "../state/io-error.js";
import type { StateLayout } from "../state/layout.js";
import { loadMemory, saveMemory, type AgentMemory } from "../state/memory.js";
import { buildReport } from "./report.js";

/** What a catalog source found: the catalog to apply (or none), where from, and what to say about it. */
export interface ObtainedCatalog {
  catalog?: Catalog;
  /** The report's catalogSource: server, cache, none; masterless: site, file. */
  source: string;
  logs: LogLine[];
  /** Whether this catalog's serial may raise the one the agent holds (only a verified catalog's may). */
  serialCounts: boolean;
}

export interface CatalogSource {
  obtain(memory: AgentMemory): Promise<ObtainedCatalog>;
  fetchContent: ApplyContext["fetchContent"];
  streamContent?: ApplyContext["streamContent"];
}

export interface PipelineOptions {
  layout: StateLayout;
  certname: string;
  noop: boolean;
  source: CatalogSource;
  /** Receives log lines as they happen. */
  log?: (line: LogLine) => void;
}

export async function convergeFrom(opts: PipelineOptions): Promise<Report> {
  const { layout, noop } = opts;
  const started = new Date();
  const memory = await loadMemory(layout);
  const obtained = await opts.source.obtain(memory);
  const logs = [...obtained.logs];
  // Not in noop: a noop run changes nothing on the host, not even leftovers.
  const swept = noop ? [] : await removeOrphanTemps(tempDirs(layout, obtained.catalog));
  if (swept.length > 0) logs.push(infoLine(`removed temp files left by killed runs: ${swept.join(", ")}`));
  for (const line of logs) opts.log?.(line);

  const late: LogLine[] = [];
  const catalog = obtained.catalog;
  const outcome = catalog
    ? await applyCatalog(catalog, {
        noop,
        fetchContent: opts.source.fetchContent,
        streamContent: opts.source.streamContent,
        memory: memory.resources,
        log: opts.log,
        bucket: new ContentBucket(layout.bucket),
        stateDir: layout.dir,
        nodeKeyPem: catalog.secrets ? await nodeKey(layout) : undefined,
      })
    : undefined;
  if (catalog && outcome && !noop) {
    const serial = obtained.serialCounts ? Math.max(memory.serial, catalog.serial) : memory.serial;
    // The host has changed by now: memory that cannot be saved is said in the report, never a reason to lose it.
    await saveMemory(layout, { serial, resources: outcome.memory }).catch((err: unknown) => {
      late.push(logLine(LogLevel.ERROR, ioError("cannot save the drift memory", err)));
    });
  }
  const report = buildReport({ certname: opts.certname, started, noop, catalog, source: obtained.source, outcome, logs });
  for (const line of late) say(report, line, opts.log);
  return report;
}

/** The agent's private key, read only for a catalog that carries secrets; none when it was never bootstrapped. */
async function nodeKey(layout: StateLayout): Promise<string | undefined> {
  return readFile(layout.agentKey, "utf8").catch(() => undefined);
}

/** A line the report gets after it was built, shown as it happens like the others. */
export function say(report: Report, line: LogLine, log: PipelineOptions["log"]): void {
  report.logs.push(line);
  log?.(line);
}

export function logLine(level: LogLevel, err: AnclaError): LogLine {
  return create(LogLineSchema, { time: new Date().toISOString(), level, message: err.line, code: err.code });
}

export function infoLine(message: string): LogLine {
  return create(LogLineSchema, { time: new Date().toISOString(), level: LogLevel.INFO, message });
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
