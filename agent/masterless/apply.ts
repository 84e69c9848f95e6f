// A masterless run (`ancla-agent apply`): the same engine, state (lock, drift
// memory) and report as a server-driven run, with the catalog compiled here
// or read from a file, and no server to report to.
import { create } from "@bufbuild/protobuf";
import { readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { LogLineSchema, type LogLine, type Report } from "../../proto/gen/ancla/v1/agent_pb.js";
import { AnclaError } from "../../proto/errors.js";
import { applyCatalog } from "../engine/apply.js";
import { exitCodeFor } from "../run/exit-code.js";
import { buildReport } from "../run/report.js";
import type { AgentSettings } from "../settings.js";
import { ContentBucket } from "../state/bucket.js";
import { stateLayout } from "../state/layout.js";
import { acquireRunLock } from "../state/lock.js";
import { loadMemory, saveMemory } from "../state/memory.js";
import { compileSite, readCatalogFile, type LoadedCatalog } from "./catalog-source.js";

export type MasterlessSource = { siteDir: string } | { catalogFile: string; caFile?: string };

export interface MasterlessOptions {
  settings: AgentSettings;
  source: MasterlessSource;
  noop: boolean;
  log?: (line: LogLine) => void;
}

export async function applyMasterless(opts: MasterlessOptions): Promise<{ report: Report; exitCode: number }> {
  const started = new Date();
  const layout = stateLayout(opts.settings.stateDir);
  const certname = opts.settings.certname ?? hostname().toLowerCase();
  const lock = await acquireRunLock(layout);
  try {
    const memory = await loadMemory(layout);
    const { loaded, factProblems } = await load(opts.source, certname, opts.settings.factsDir, memory.serial);
    const logs = [...factProblems.map((p) => `external fact ${p}`), ...loaded.warnings].map(warning);
    logs.forEach((line) => opts.log?.(line));
    const outcome = await applyCatalog(loaded.catalog, {
      noop: opts.noop,
      fetchContent: contentFrom(loaded),
      memory: memory.resources,
      log: opts.log,
      bucket: new ContentBucket(layout.bucket),
      stateDir: layout.dir,
    });
    if (!opts.noop) {
      const serial = loaded.verified ? Math.max(memory.serial, loaded.catalog.serial) : memory.serial;
      await saveMemory(layout, { serial, resources: outcome.memory });
    }
    const report = buildReport({ certname, started, noop: opts.noop, catalog: loaded.catalog, source: loaded.source, outcome, logs });
    return { report, exitCode: exitCodeFor(report) };
  } finally {
    await lock.release();
  }
}

/** Facts are gathered only to compile a site: a catalog file was compiled elsewhere, and a run should not pay for them. */
async function load(source: MasterlessSource, certname: string, factsDir: string, heldSerial: number): Promise<{ loaded: LoadedCatalog; factProblems: string[] }> {
  if ("siteDir" in source) {
    // Facts only for a compile here: a catalog file is compiled already, and gathering them (systeminformation) costs start-up.
    const { collectFacts } = await import("../facts/all.js");
    const { facts, problems } = await collectFacts(factsDir);
    return { loaded: await compileSite(source.siteDir, certname, facts), factProblems: problems };
  }
  return { loaded: await loadCatalogFile(source, certname, heldSerial), factProblems: [] };
}

async function loadCatalogFile(source: { catalogFile: string; caFile?: string }, certname: string, heldSerial: number): Promise<LoadedCatalog> {
  const caCertPem = source.caFile === undefined ? undefined : await readFile(source.caFile, "utf8").catch((err: Error) => {
    throw new AnclaError("ANCLA_E_IO", `cannot read --ca-file ${source.caFile}: ${err.message}`);
  });
  return readCatalogFile({ path: source.catalogFile, certname, caCertPem, heldSerial });
}

function contentFrom(loaded: LoadedCatalog): (sha256: string) => Promise<Uint8Array> {
  return async (sha256) => {
    const data = loaded.contents.get(sha256);
    if (data) return data;
    throw new AnclaError("ANCLA_E_NOT_FOUND", `content sha256:${sha256} is not available: a catalog file carries only inline content; apply the site directory instead`);
  };
}

function warning(message: string): LogLine {
  return create(LogLineSchema, { time: new Date().toISOString(), level: "warning", message });
}
