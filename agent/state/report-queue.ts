// Reports not yet delivered, one file per run, so that a run made while the
// server is away is reported later and nothing is lost to a crash.
import { fromJsonString, toJsonString } from "@bufbuild/protobuf";
import { mkdir, readdir, readFile, rename, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { ReportSchema, type Report } from "../../proto/gen/ancla/v1/agent_pb.js";
import { AnclaError } from "../../proto/errors.js";
import { TEMP_PREFIX, writeFileAtomic } from "./atomic-write.js";
import type { StateLayout } from "./layout.js";

/** The queue keeps the newest reports only: an agent cut off for weeks must not fill the disk. */
export const MAX_QUEUED_REPORTS = 1000;

const SUFFIX = ".json";

export interface QueuedReport {
  runId: string;
  report: Report;
}

/** Queues a report; beyond `limit` queued reports the oldest are dropped. */
export async function enqueueReport(layout: StateLayout, report: Report, limit: number = MAX_QUEUED_REPORTS): Promise<void> {
  const file = reportFile(layout, report.runId);
  await mkdir(layout.reportsDir, { recursive: true });
  await writeFileAtomic(file, toJsonString(ReportSchema, report), { mode: 0o600 });
  await trimQueue(layout, limit);
}

/**
 * Queued reports, oldest first (by the report's start time, then file time).
 * A file that does not parse is moved to `reports/bad/` rather than dropped.
 */
export async function listQueuedReports(layout: StateLayout): Promise<QueuedReport[]> {
  const queued: (QueuedReport & { mtimeMs: number })[] = [];
  for (const { name, mtimeMs } of await queueFiles(layout)) {
    const path = join(layout.reportsDir, name);
    try {
      const report = fromJsonString(ReportSchema, await readFile(path, "utf8"));
      if (report.runId !== runIdOf(name)) throw new Error(`holds run ${report.runId}`);
      queued.push({ runId: report.runId, report, mtimeMs });
    } catch {
      await moveAside(layout, name);
    }
  }
  // The run's own start time first; the file time breaks ties (and orders reports without one).
  queued.sort((a, b) => a.report.startedAt.localeCompare(b.report.startedAt) || a.mtimeMs - b.mtimeMs);
  return queued.map(({ runId, report }) => ({ runId, report }));
}

export async function removeQueuedReport(layout: StateLayout, runId: string): Promise<void> {
  await unlink(reportFile(layout, runId)).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== "ENOENT") throw err;
  });
}

function reportFile(layout: StateLayout, runId: string): string {
  // The run id becomes a file name: refuse anything that could leave the queue directory.
  if (!/^[A-Za-z0-9._-]+$/.test(runId) || runId.startsWith(".")) {
    throw new AnclaError("ANCLA_E_INVALID_ARGUMENT", `run id ${JSON.stringify(runId)} cannot name a queued report`);
  }
  return join(layout.reportsDir, runId + SUFFIX);
}

function runIdOf(fileName: string): string {
  return fileName.slice(0, -SUFFIX.length);
}

async function queueNames(layout: StateLayout): Promise<string[]> {
  try {
    return (await readdir(layout.reportsDir)).filter((n) => n.endsWith(SUFFIX) && !n.startsWith(TEMP_PREFIX));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}

async function queueFiles(layout: StateLayout): Promise<{ name: string; mtimeMs: number }[]> {
  const names = await queueNames(layout);
  return Promise.all(names.map(async (name) => ({ name, mtimeMs: (await stat(join(layout.reportsDir, name))).mtimeMs })));
}

async function moveAside(layout: StateLayout, name: string): Promise<void> {
  await mkdir(layout.badReportsDir, { recursive: true });
  await rename(join(layout.reportsDir, name), join(layout.badReportsDir, name));
}

/** Drops the oldest files (by modification time) beyond `limit`; names alone tell whether there is work. */
async function trimQueue(layout: StateLayout, limit: number): Promise<void> {
  if ((await queueNames(layout)).length <= limit) return;
  const files = await queueFiles(layout);
  files.sort((a, b) => a.mtimeMs - b.mtimeMs);
  for (const { name } of files.slice(0, files.length - limit)) {
    await unlink(join(layout.reportsDir, name)).catch(() => undefined);
  }
}
