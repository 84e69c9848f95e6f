// `ancla site validate DIR`: compile the site for every node it will meet and
// report every problem before the server does. Also home of what the catalog
// commands share with it: which nodes to compile for, with which facts, and
// how a problem is printed (relative to the site dir as the user typed it, so
// editors and terminals can jump to it).
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { formatProblem, type Facts, type SiteCompiler, type SiteProblem } from "../../catalog/compile-seam.js";
import { plural } from "../../catalog/diff.js";
import type { ArtifactLookup } from "../../catalog/site/artifact.js";
import { JSON_FLAG, bool, str, usageError, type ParsedArgs, type Subcommand } from "../../core/cli.js";
import { AnclaError, isAnclaError } from "../../core/errors.js";
import type { NodeDetailJson, NodeJson } from "../http/schemas.js";
import { ApiClient } from "./client.js";
import { operatorArtifactLookup } from "./artifact-lookup.js";
import { CONNECTION_FLAGS, resolveConnection } from "./connection.js";

export interface FactSet {
  certname: string;
  facts: Facts;
}

/** Validate's last resort: a node that only the catch-all rules match. */
export const SYNTHETIC_NODE = "validate-node";

const FACT_FILE = /^(.+)\.(json|ya?ml)$/;

export const siteCommands: Record<string, Subcommand> = {
  "site validate": {
    usage: "site validate DIR [--facts-dir DIR] [--node NAME ...] [--json]",
    summary: "compile the site for every known node (or sample facts) and print every problem",
    flags: {
      ...CONNECTION_FLAGS,
      "facts-dir": { type: "string", value: "DIR", help: "one NAME.json or NAME.yaml of facts per node (default: the nodes' facts on the server, when one is configured)" },
      node: { type: "string", multiple: true, value: "NAME", help: "compile for this node too (default: the nodes the facts name, else one node the catch-all rules match)" },
      ...JSON_FLAG,
    },
    positionals: [1, 1],
    async run(args) {
      const siteDir = await requireDirectory(args.positionals[0], "site directory");
      const nodes = await selectNodes(args, { patterns: strings(args, "node"), synthetic: true });
      const results = await validateAll(siteDir, nodes, await operatorArtifactLookup(args, note));
      const failed = results.filter((r) => r.problems.length > 0);
      if (bool(args, "json")) process.stdout.write(JSON.stringify({ nodes: results }, null, 2) + "\n");
      else process.stdout.write(describeValidation(siteDir, results));
      return failed.length > 0 ? 1 : 0;
    },
  },
};

interface NodeValidation {
  certname: string;
  /** Resources in the compiled catalog; absent when it did not compile. */
  resources?: number;
  problems: SiteProblem[];
  /** Compiles, but likely a mistake (an exec that runs on every run): shown, never a failure. */
  warnings: SiteProblem[];
}

/**
 * The site compiler, loaded only by the commands that compile: it (CEL, Liquid,
 * YAML) is most of what `ancla` would otherwise load before it can print --help.
 */
export async function siteCompiler(siteDir: string, artifacts: ArtifactLookup): Promise<SiteCompiler> {
  const { createSiteCompiler } = await import("../../catalog/site/create-site-compiler.js");
  return createSiteCompiler(siteDir, { artifacts });
}

async function validateAll(siteDir: string, nodes: FactSet[], artifacts: ArtifactLookup): Promise<NodeValidation[]> {
  const compiler = await siteCompiler(siteDir, artifacts);
  const results: NodeValidation[] = [];
  // One at a time: the output follows the node order, and a site is compiled by one core anyway.
  for (const { certname, facts } of nodes) {
    const result = await compiler.compile(certname, facts);
    const warnings = result.warnings ?? [];
    results.push(result.ok ? { certname, resources: result.body.resources.length, problems: [], warnings } : { certname, problems: result.problems, warnings });
  }
  return results;
}

function describeValidation(siteDir: string, results: NodeValidation[]): string {
  const lines: string[] = [];
  for (const r of results) {
    const warned = r.warnings.length > 0 ? `, ${plural(r.warnings.length, "warning")}` : "";
    lines.push(r.problems.length === 0 ? `${r.certname}: ok, ${plural(r.resources ?? 0, "resource")}${warned}` : `${r.certname}: ${plural(r.problems.length, "problem")}${warned}`);
    lines.push(...r.problems.map((p) => problemLine(siteDir, p)), ...r.warnings.map((w) => warningLine(siteDir, w)));
  }
  const failed = results.filter((r) => r.problems.length > 0);
  const total = failed.reduce((n, r) => n + r.problems.length, 0);
  const warnings = results.reduce((n, r) => n + r.warnings.length, 0);
  const counted = warnings > 0 ? plural(warnings, "warning") : "";
  lines.push(
    failed.length === 0
      ? `${plural(results.length, "node")}: the site compiles for every one${counted && ` (${counted})`}`
      : `${plural(results.length, "node")}: ${failed.length} with problems (${[plural(total, "problem"), counted].filter(Boolean).join(", ")})`,
  );
  return lines.join("\n") + "\n";
}

/** `file:line:column: message`, the file relative to the current directory when the site dir was given relatively. */
export function problemLine(siteDir: string, p: SiteProblem): string {
  return formatProblem({ ...p, file: path.isAbsolute(p.file) ? p.file : path.join(siteDir, p.file) });
}

/** `file:line:column: warning: message`, as compilers print theirs. */
export function warningLine(siteDir: string, w: SiteProblem): string {
  return problemLine(siteDir, { ...w, message: `warning: ${w.message}` });
}

// ---- which nodes, with which facts ----

export interface NodeChoice {
  /** Globs (or literal certnames) from --node; empty for all. */
  patterns: string[];
  /** With no facts anywhere, compile for SYNTHETIC_NODE instead of failing. */
  synthetic: boolean;
}

/**
 * The nodes to compile for, in this order of preference: fact files in
 * --facts-dir, the nodes known to the server, literal --node names with empty
 * facts, and (validate only) one synthetic node. Where they came from goes to
 * stderr, so a reader knows how much the result is worth.
 */
export async function selectNodes(args: ParsedArgs, choice: NodeChoice): Promise<FactSet[]> {
  const factsDir = str(args, "facts-dir");
  const { default: picomatch } = await import("picomatch");
  const wanted = choice.patterns.length > 0 ? picomatch(choice.patterns) : () => true;
  if (factsDir !== undefined) return fromFactsDir(await requireDirectory(factsDir, "--facts-dir"), wanted, choice.patterns);
  const known = await fromServer(args, wanted);
  if (known.length > 0) return known;
  const literals = choice.patterns.filter((p) => !picomatch.scan(p).isGlob);
  if (literals.length > 0 && literals.length === choice.patterns.length) {
    note(`no facts for ${literals.join(", ")}: compiling with empty facts (give --facts-dir for real ones)`);
    return literals.map((certname) => ({ certname, facts: {} }));
  }
  if (choice.synthetic && choice.patterns.length === 0) {
    note(`no server and no --facts-dir: compiling for one synthetic node "${SYNTHETIC_NODE}" with empty facts; rules and conditions that depend on names or facts are not exercised`);
    return [{ certname: SYNTHETIC_NODE, facts: {} }];
  }
  throw usageError(`no nodes to compile for: give --facts-dir DIR, a reachable server (--url/--token/--ca-file or --data-dir), or --node with literal certnames`);
}

async function fromFactsDir(dir: string, wanted: (name: string) => boolean, patterns: string[]): Promise<FactSet[]> {
  const files = new Map<string, string>();
  for (const name of (await readdir(dir)).sort()) {
    const certname = FACT_FILE.exec(name)?.[1];
    if (certname === undefined || !wanted(certname)) continue;
    if (files.has(certname)) throw new AnclaError("ANCLA_E_CONFIG", `${dir} has two fact files for ${certname}: ${files.get(certname)} and ${name}; keep one`);
    files.set(certname, name);
  }
  if (files.size === 0) {
    const which = patterns.length > 0 ? ` matching ${patterns.join(", ")}` : "";
    throw new AnclaError("ANCLA_E_CONFIG", `${dir} has no fact files${which}; name them <certname>.json or <certname>.yaml`);
  }
  note(`facts from ${dir}: ${[...files.keys()].join(", ")}`);
  const sets: FactSet[] = [];
  for (const [certname, name] of files) sets.push({ certname, facts: await readFactsFile(path.join(dir, name)) });
  return sets;
}

/** The server's nodes and their last facts; none when no server is configured or it cannot be reached. */
async function fromServer(args: ParsedArgs, wanted: (name: string) => boolean): Promise<FactSet[]> {
  let client: ApiClient;
  let nodes: NodeJson[];
  try {
    client = new ApiClient(resolveConnection(args));
    nodes = (await client.get<{ nodes: NodeJson[] }>("/nodes")).nodes;
  } catch (err) {
    // Only "there is no server here" falls back; a server that refuses us is a real error to report.
    if (!isAnclaError(err, "ANCLA_E_CONFIG") && !isAnclaError(err, "ANCLA_E_SERVER_UNREACHABLE")) throw err;
    return [];
  }
  const sets: FactSet[] = [];
  for (const { certname } of nodes.filter((n) => wanted(n.certname))) {
    const detail = await client.get<NodeDetailJson>(`/nodes/${encodeURIComponent(certname)}`);
    sets.push({ certname, facts: (detail.facts ?? {}) as Facts });
  }
  if (sets.length > 0) note(`facts from the server: ${sets.map((s) => s.certname).join(", ")}`);
  return sets;
}

/** A facts file, JSON or YAML, holding one mapping (what `ancla-agent facts --json` prints). */
export async function readFactsFile(file: string): Promise<Facts> {
  let value: unknown;
  try {
    const text = await readFile(file, "utf8");
    value = file.endsWith(".json") ? JSON.parse(text) : (await import("yaml")).parse(text);
  } catch (err) {
    throw new AnclaError("ANCLA_E_CONFIG", `cannot read facts from ${file}: ${(err as Error).message.split("\n")[0]}`, { cause: err });
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new AnclaError("ANCLA_E_CONFIG", `${file} must hold one mapping of fact names to values`);
  }
  return value as Facts;
}

export async function isDirectory(p: string): Promise<boolean> {
  return (await stat(p).catch(() => undefined))?.isDirectory() ?? false;
}

export async function requireDirectory(dir: string, what: string): Promise<string> {
  if (!(await isDirectory(dir))) throw new AnclaError("ANCLA_E_CONFIG", `${what} ${dir} is not a directory`);
  return dir;
}

/** A repeatable string flag's values. */
export function strings(args: ParsedArgs, name: string): string[] {
  const v = args.values[name];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === "string");
  return typeof v === "string" ? [v] : [];
}

/** Where the inputs came from: stderr, so that stdout stays the result. */
export function note(line: string): void {
  process.stderr.write(`note: ${line}\n`);
}
