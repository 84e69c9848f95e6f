// The agent's commands: bootstrap, run (once or as a daemon), apply
// (masterless), probe, facts. Each loads its modules when it runs: start-up is part
// of every run, and `apply` or `facts` never need gRPC. Apart from the entry
// (main.ts) so packaging can render the manual page from the same table.
import { hostname } from "node:os";
import type { LogLine, Report } from "../../proto/gen/ancla/v1/agent_pb.js";
import { isProblem, logLevelWords, reportToJson } from "../../proto/report-words.js";
import { EXIT_FAILURE, JSON_FLAG, bool, str, parseDuration, usageError, type FlagSpec, type ParsedArgs, type Subcommand } from "../../core/cli.js";
import { AnclaError } from "../../core/errors.js";
import type { Catalog } from "../../catalog/model.js";
import { DEFAULT_CONFIG, DEFAULT_FACTS_DIR, DEFAULT_STATE_DIR, loadSettings, type AgentSettings } from "../settings.js";
import { stateLayout } from "../state/layout.js";
import { formatReport } from "./print-report.js";

const CONFIG = { config: { type: "string", value: "FILE", help: `agent settings as YAML (default ${DEFAULT_CONFIG}); flags win over it` } } as const satisfies FlagSpec;
const FACTS_DIR = { "facts-dir": { type: "string", value: "DIR", help: `external facts: executables and .json/.yaml files (default ${DEFAULT_FACTS_DIR})` } } as const satisfies FlagSpec;
const NOOP = { noop: { type: "boolean", help: "report what would change, change nothing" } } as const satisfies FlagSpec;
const CATALOG_FILE = {
  catalog: { type: "string", value: "FILE", help: "a catalog (or its body) as JSON, or a signed DSSE envelope" },
  "ca-file": { type: "string", value: "CA.pem", help: "verify an envelope --catalog against this CA" },
} as const satisfies FlagSpec;
const common = {
  "state-dir": { type: "string", value: "DIR", help: `the agent's certificates, cached catalog and queued reports (default ${DEFAULT_STATE_DIR})` },
  ...CONFIG,
  ...FACTS_DIR,
} as const satisfies FlagSpec;

function settingsFrom(args: ParsedArgs) {
  return loadSettings({ config: str(args, "config"), stateDir: str(args, "state-dir"), server: str(args, "server"), certname: str(args, "certname"), factsDir: str(args, "facts-dir") });
}

/** --json is the report in the form the server's API gives it (enums as words). */
function reportText(report: Report, json: boolean): string {
  return json ? JSON.stringify(reportToJson(report)) : formatReport(report);
}

/** The catalog the agent holds; none at all is misuse (there is nothing to probe): say where one would come from. */
async function heldOrUsage(settings: AgentSettings): Promise<Catalog> {
  const { heldCatalog } = await import("../health/held-catalog.js");
  const held = await heldCatalog(settings);
  if (held.catalog) return held.catalog;
  if (held.absent) throw usageError(`probe needs a catalog: ${held.problem.message} (no run has received one yet); give --catalog FILE`);
  throw held.problem;
}

/** A catalog file as `apply --catalog` reads it; its warnings (an unverified envelope) go to stderr. */
async function catalogFromFile(path: string, caFile: string | undefined, certname: string | undefined): Promise<Catalog> {
  const { readFile } = await import("node:fs/promises");
  const caCertPem =
    caFile === undefined
      ? undefined
      : await readFile(caFile, "utf8").catch((err: Error) => {
          throw new AnclaError("ANCLA_E_IO", `cannot read --ca-file ${caFile}: ${err.message}`);
        });
  const { readCatalogFile } = await import("../masterless/catalog-source.js");
  const loaded = await readCatalogFile({ path, certname: certname ?? hostname().toLowerCase(), caCertPem, heldSerial: 0 });
  for (const w of loaded.warnings) process.stderr.write(`warning: ${w}\n`);
  return loaded.catalog;
}

function printReport(report: Report, json: boolean): void {
  process.stdout.write(reportText(report, json) + "\n");
}

/** Warnings and errors go to stderr as they happen; per-resource detail is in the report (stdout). */
function printLog(line: LogLine): void {
  if (!isProblem(line.level)) return;
  process.stderr.write(`${logLevelWords.word(line.level)}: ${line.message}\n`);
}

export const commands: Record<string, Subcommand> = {
  bootstrap: {
    usage: "bootstrap --server HOST:PORT --ca-fingerprint SHA256 [--token T] [--certname NAME] [--state-dir DIR] [--wait 2m]",
    summary: "pin the server's CA, request a certificate and wait for it to be signed",
    flags: {
      ...common,
      server: { type: "string", value: "HOST:PORT", help: "the server's gRPC address, by the name in its certificate" },
      "ca-fingerprint": { type: "string", value: "SHA256", help: "the CA fingerprint `ancla-server init` printed: the agent pins that CA" },
      token: { type: "string", value: "T", help: "a bootstrap token: signed at once (without one, an operator signs the request)" },
      certname: { type: "string", value: "NAME", help: "this host's name to the server (default: its hostname)" },
      wait: { type: "string", value: "DURATION", help: "how long to wait for the certificate to be signed (default 2m)" },
    },
    async run(args) {
      const server = str(args, "server");
      const fingerprint = str(args, "ca-fingerprint");
      if (!server || !fingerprint) throw usageError("bootstrap needs --server HOST:PORT and --ca-fingerprint SHA256 (printed by `ancla-server init`)");
      const settings = settingsFrom(args);
      const { bootstrap } = await import("../bootstrap.js");
      await bootstrap({
        server,
        caFingerprint: fingerprint,
        certname: str(args, "certname") ?? settings.certname ?? hostname().toLowerCase(),
        token: str(args, "token"),
        layout: stateLayout(settings.stateDir),
        waitSeconds: parseDuration(str(args, "wait") ?? "2m"),
        pollSeconds: 1,
        timeoutMs: settings.timeout * 1000,
        say: (line) => process.stdout.write(line + "\n"),
      });
      return 0;
    },
  },
  run: {
    usage: "run [--once] [--noop] [--json] [--state-dir DIR] [--config FILE] [--facts-dir DIR]",
    summary: "pull the catalog, converge, report (exit 0 unchanged, 2 changed, 4 failed, 6 both)",
    flags: { ...common, once: { type: "boolean", help: "one run, then exit (without it: a daemon, every run_interval and at once when asked over Watch)" }, ...NOOP, ...JSON_FLAG },
    async run(args) {
      const settings = settingsFrom(args);
      const json = bool(args, "json");
      const opts = { settings, noop: bool(args, "noop"), log: json ? undefined : printLog };
      if (bool(args, "once")) {
        const { runOnce } = await import("../run/once.js");
        const result = await runOnce(opts);
        printReport(result.report, json);
        return result.exitCode;
      }
      const stopped = new Promise<void>((resolve) => {
        process.once("SIGTERM", resolve);
        process.once("SIGINT", resolve);
      });
      const { runDaemon } = await import("../run/daemon.js");
      await runDaemon(opts, {
        stopped,
        onRun: (r) => process.stdout.write((r instanceof Error ? `error: ${r.message}` : reportText(r.report, json)) + "\n"),
        // The Watch stream's news is log, not output: stdout stays one report per run (--json: one object a line).
        onRunNow: (run) => process.stderr.write(`watch: ${run.noop ? "noop run" : "run"} now, asked by ${run.requests.map((r) => `${r.reason} (request ${r.requestId})`).join("; ")}\n`),
        onWatch: (state) =>
          process.stderr.write(
            `watch: ${state.up ? `connected to ${settings.server}` : `not connected (${state.error?.message ?? "the server ended the stream"}); again in ${(state.retryInMs / 1000).toFixed(1)} s`}\n`,
          ),
        // Health lines say "health: ..." themselves; like the Watch stream's, they are log, not output.
        onHealth: (line) => process.stderr.write(`${line}\n`),
      });
      return 0;
    },
  },
  apply: {
    usage: "apply SITE_DIR | --catalog FILE [--ca-file CA.pem] [--noop] [--json] [--certname NAME] [--state-dir DIR] [--facts-dir DIR]",
    summary:
      "masterless: compile SITE_DIR here with this host's facts, or read a catalog file (a catalog or its body as JSON, unsigned accepted; " +
      "a DSSE envelope is verified when --ca-file is given), and converge (exit 0 unchanged, 2 changed, 4 failed, 6 both)",
    flags: { ...common, ...CATALOG_FILE, certname: { type: "string", value: "NAME", help: "the node to compile SITE_DIR for (default: this host's name)" }, ...NOOP, ...JSON_FLAG },
    positionals: [0, 1],
    async run(args) {
      const [siteDir] = args.positionals;
      const catalogFile = str(args, "catalog");
      if ((siteDir === undefined) === (catalogFile === undefined)) throw usageError("apply needs a SITE_DIR or --catalog FILE (one of them)");
      if (str(args, "ca-file") !== undefined && catalogFile === undefined) throw usageError("--ca-file verifies a --catalog envelope; a SITE_DIR is compiled here");
      const json = bool(args, "json");
      const { applyMasterless } = await import("../masterless/apply.js");
      const result = await applyMasterless({
        settings: settingsFrom(args),
        source: catalogFile === undefined ? { siteDir } : { catalogFile, caFile: str(args, "ca-file") },
        noop: bool(args, "noop"),
        log: json ? undefined : printLog,
      });
      printReport(result.report, json);
      return result.exitCode;
    },
  },
  probe: {
    usage: "probe [--catalog FILE [--ca-file CA.pem]] [--json] [--state-dir DIR] [--config FILE]",
    summary: "run each probe of the catalog this agent holds (or of a catalog file) once and print its outcome and latency " + "(exit 0 all ok, 1 any failed); no server needed, nothing is reported",
    flags: { "state-dir": common["state-dir"], ...CONFIG, ...CATALOG_FILE, ...JSON_FLAG },
    async run(args) {
      const catalogFile = str(args, "catalog");
      const caFile = str(args, "ca-file");
      if (caFile !== undefined && catalogFile === undefined) throw usageError("--ca-file verifies a --catalog envelope; the held catalog is verified against the agent's own CA");
      const settings = settingsFrom(args);
      const catalog = catalogFile === undefined ? await heldOrUsage(settings) : await catalogFromFile(catalogFile, caFile, settings.certname);
      const { probeOnce, formatProbeResults, probesProblem } = await import("../health/probe-once.js");
      const problem = probesProblem(catalog.probes);
      if (problem) throw new AnclaError("ANCLA_E_CATALOG_MALFORMED", `${catalogFile ?? "the held catalog"}: ${problem}`);
      const results = await probeOnce(catalog.probes ?? []);
      if (bool(args, "json")) process.stdout.write(JSON.stringify(results) + "\n");
      else if (results.length === 0) process.stderr.write(`no probes in ${catalogFile ?? "the held catalog"}\n`);
      else process.stdout.write(formatProbeResults(results) + "\n");
      return results.every((r) => r.ok) ? 0 : EXIT_FAILURE;
    },
  },
  facts: {
    usage: "facts [--json] [--facts-dir DIR]",
    summary: "print this host's facts: core facts and external ones (executables and .json/.yaml files in /etc/ancla/facts.d)",
    flags: { ...JSON_FLAG, ...CONFIG, ...FACTS_DIR },
    async run(args) {
      const { collectFacts } = await import("../facts/all.js");
      const { facts, problems } = await collectFacts(settingsFrom(args).factsDir);
      for (const p of problems) process.stderr.write(`warning: external fact ${p}\n`);
      process.stdout.write(JSON.stringify(facts, null, bool(args, "json") ? undefined : 2) + "\n");
      return 0;
    },
  },
};
