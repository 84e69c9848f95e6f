// A masterless run (`ancla-agent apply`): the same pipeline as a server-driven
// run (run/pipeline.ts: drift memory, leftovers of killed runs, apply, report),
// with the catalog compiled here or read from a file, and no server to report to.
import { create } from "@bufbuild/protobuf";
import { readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { LogLevel, LogLineSchema, type LogLine, type Report } from "../../proto/gen/ancla/v1/agent_pb.js";
import { AnclaError } from "../../core/errors.js";
import { exitCodeFor } from "../run/exit-code.js";
import { convergeFrom, type CatalogSource, type ObtainedCatalog } from "../run/pipeline.js";
import type { AgentSettings } from "../settings.js";
import { stateLayout } from "../state/layout.js";
import { acquireRunLock } from "../state/lock.js";
import type { AgentMemory } from "../state/memory.js";
import { compileSite, readCatalogFile, type LoadedCatalog } from "./catalog-source.js";
import { compiledSiteFile } from "./compiled-site-cache.js";

export type MasterlessSource = { siteDir: string } | { catalogFile: string; caFile?: string };

export interface MasterlessOptions {
  settings: AgentSettings;
  source: MasterlessSource;
  noop: boolean;
  log?: (line: LogLine) => void;
}

export async function applyMasterless(opts: MasterlessOptions): Promise<{ report: Report; exitCode: number }> {
  const layout = stateLayout(opts.settings.stateDir);
  const certname = opts.settings.certname ?? hostname().toLowerCase();
  const lock = await acquireRunLock(layout);
  try {
    const report = await convergeFrom({ layout, certname, noop: opts.noop, source: new LocalCatalog(opts.source, certname, opts.settings.factsDir, compiledSiteFile(layout.dir)), log: opts.log });
    return { report, exitCode: exitCodeFor(report) };
  } finally {
    await lock.release();
  }
}

/** A catalog compiled here from a site, or read from a file; its content comes with it, never from a server. */
class LocalCatalog implements CatalogSource {
  private loaded?: LoadedCatalog;

  constructor(
    private readonly source: MasterlessSource,
    private readonly certname: string,
    private readonly factsDir: string,
    /** Where the last compile of a site is kept (compiled-site-cache.ts). */
    private readonly keptCompile: string,
  ) {}

  async obtain(memory: AgentMemory): Promise<ObtainedCatalog> {
    const { loaded, factProblems } = await load(this.source, this.certname, this.factsDir, memory.serial, this.keptCompile);
    this.loaded = loaded;
    const logs = [...factProblems.map((p) => `external fact ${p}`), ...loaded.warnings].map(warning);
    // Only a verified catalog's serial may raise the one held: an unsigned file could otherwise lock out the server's catalogs.
    return { catalog: loaded.catalog, source: loaded.source, logs, serialCounts: loaded.verified };
  }

  readonly fetchContent = async (sha256: string): Promise<Uint8Array> => {
    const data = this.loaded?.contents.get(sha256);
    if (data) return data;
    throw new AnclaError("ANCLA_E_NOT_FOUND", `content sha256:${sha256} is not available: a catalog file carries only inline content; apply the site directory instead`);
  };
}

/** Facts are gathered only to compile a site: a catalog file was compiled elsewhere, and a run should not pay for them. */
async function load(source: MasterlessSource, certname: string, factsDir: string, heldSerial: number, keptCompile: string): Promise<{ loaded: LoadedCatalog; factProblems: string[] }> {
  if ("siteDir" in source) {
    // Facts only for a compile here: a catalog file is compiled already, and gathering them costs start-up.
    const { collectFacts } = await import("../facts/all.js");
    const { facts, problems } = await collectFacts(factsDir);
    return { loaded: await compileSite(source.siteDir, certname, facts, keptCompile), factProblems: problems };
  }
  return { loaded: await loadCatalogFile(source, certname, heldSerial), factProblems: [] };
}

async function loadCatalogFile(source: { catalogFile: string; caFile?: string }, certname: string, heldSerial: number): Promise<LoadedCatalog> {
  const caCertPem =
    source.caFile === undefined
      ? undefined
      : await readFile(source.caFile, "utf8").catch((err: Error) => {
          throw new AnclaError("ANCLA_E_IO", `cannot read --ca-file ${source.caFile}: ${err.message}`);
        });
  return readCatalogFile({ path: source.catalogFile, certname, caCertPem, heldSerial });
}

function warning(message: string): LogLine {
  return create(LogLineSchema, { time: new Date().toISOString(), level: LogLevel.WARNING, message });
}
