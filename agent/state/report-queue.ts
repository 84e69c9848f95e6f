// Reports not yet delivered, one file per run, so that a run made while the
// server is away is reported later and nothing is lost to a crash.
import { mkdir, open, readdir, readFile, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { Report } from "../../proto/gen/ancla/v1/agent_pb.js";
import { reportFromJson, reportToJson } from "../../proto/report-words.js";
import { ioError } from "./io-error.js";
import type { StateLayout } from "./layout.js";
import { QueueDir } from "./queue-dir.js";

/** The queue keeps the newest reports only: an agent cut off for weeks must not fill the disk. */
export const MAX_QUEUED_REPORTS = 1000;

/** Notes of reports that were lost (see markReportLost). */
const LOST_SUFFIX = ".lost";

export interface QueuedReport {
  runId: string;
  report: Report;
}

/** Queues a report; beyond `limit` queued reports the oldest are dropped. */
export async function enqueueReport(layout: StateLayout, report: Report, limit: number = MAX_QUEUED_REPORTS): Promise<void> {
  // With the enums as words, as before there were enums: a queue an older agent wrote still reads.
  await queueOf(layout).write(report.runId, JSON.stringify(reportToJson(report)));
  await trimQueue(layout, limit);
}

/**
 * Queued reports, oldest first (by the report's start time, then file time).
 * A file that does not parse is moved to `reports/bad/` rather than dropped.
 */
export async function listQueuedReports(layout: StateLayout): Promise<QueuedReport[]> {
  return (await readQueue(layout)).map(({ runId, report }) => ({ runId, report }));
}

/** Every readable queued report with its file name, oldest first: listing and trimming agree on what "oldest" is. */
async function readQueue(layout: StateLayout): Promise<(QueuedReport & { name: string })[]> {
  const queue = queueOf(layout);
  const queued: (QueuedReport & { name: string; mtimeMs: number })[] = [];
  for (const { name, mtimeMs } of await queueFiles(queue)) {
    const path = join(layout.reportsDir, name);
    try {
      const report = reportFromJson(JSON.parse(await readFile(path, "utf8")));
      if (report.runId !== queue.idOf(name)) throw new Error(`holds run ${report.runId}`);
      queued.push({ runId: report.runId, report, name, mtimeMs });
    } catch {
      await queue.moveAside(name);
    }
  }
  // The run's own start time first; the file time breaks ties (and orders reports without one).
  return queued.sort((a, b) => a.report.startedAt.localeCompare(b.report.startedAt) || a.mtimeMs - b.mtimeMs);
}

export async function removeQueuedReport(layout: StateLayout, runId: string): Promise<void> {
  await queueOf(layout).remove(runId);
}

/** A run whose report was neither queued nor delivered. */
export interface LostReport {
  runId: string;
  /** When that run gave up on its report. */
  at: Date;
}

/**
 * Notes that the report of `runId` is lost, for the next run to say so. The
 * note is an empty file named for the run: a full disk that could not take
 * the report still takes a name (an inode, no data block).
 */
export async function markReportLost(layout: StateLayout, runId: string): Promise<void> {
  const file = queueOf(layout).fileOf(runId, LOST_SUFFIX);
  try {
    await mkdir(layout.reportsDir, { recursive: true });
    await (await open(file, "w", 0o600)).close();
  } catch (err) {
    throw ioError(`cannot create ${file}`, err);
  }
}

/** The lost reports noted so far, oldest first. */
export async function lostReports(layout: StateLayout): Promise<LostReport[]> {
  const names = (await readdir(layout.reportsDir).catch(() => [] as string[])).filter((n) => n.endsWith(LOST_SUFFIX));
  const lost: LostReport[] = [];
  for (const name of names) {
    const st = await stat(join(layout.reportsDir, name)).catch(() => undefined);
    if (st) lost.push({ runId: name.slice(0, -LOST_SUFFIX.length), at: st.mtime });
  }
  return lost.sort((a, b) => a.at.getTime() - b.at.getTime());
}

/** Drops the notes once a report that tells of them is safe (queued or delivered). */
export async function forgetLostReports(layout: StateLayout, lost: readonly LostReport[]): Promise<void> {
  for (const { runId } of lost) await unlink(queueOf(layout).fileOf(runId, LOST_SUFFIX)).catch(() => undefined);
}

function queueOf(layout: StateLayout): QueueDir {
  return new QueueDir(layout.reportsDir, layout.badReportsDir, "run id", "queued report");
}

async function queueFiles(queue: QueueDir): Promise<{ name: string; mtimeMs: number }[]> {
  const names = await queue.names();
  return Promise.all(names.map(async (name) => ({ name, mtimeMs: (await stat(join(queue.dir, name))).mtimeMs })));
}

/** Drops the oldest reports (in listing order) beyond `limit`; names alone tell whether there is work. */
async function trimQueue(layout: StateLayout, limit: number): Promise<void> {
  if ((await queueOf(layout).names()).length <= limit) return;
  const queued = await readQueue(layout);
  for (const { name } of queued.slice(0, Math.max(0, queued.length - limit))) {
    await unlink(join(layout.reportsDir, name)).catch(() => undefined);
  }
}
