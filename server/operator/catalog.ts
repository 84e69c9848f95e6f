// `ancla catalog compile` (one node's catalog, locally, no server) and
// `ancla catalog diff` (per-node differences between two versions of a site:
// the review before merge).
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { bodyDigest } from "../../catalog/canonical.js";
import type { CompileResult, Facts, SiteProblem } from "../../catalog/compile-seam.js";
import { diffCatalogs, formatCatalogDiff, isEmptyDiff, plural, showProperties, shownProperties, summarizeDiff, type CatalogDiff } from "../../catalog/diff.js";
import { resourceRef, type CatalogBody, type Edge } from "../../catalog/model.js";
import type { ArtifactLookup } from "../../catalog/site/artifact.js";
import { JSON_FLAG, bool, str, usageError, type ParsedArgs, type Subcommand } from "../../core/cli.js";
import { AnclaError } from "../../core/errors.js";
import { operatorArtifactLookup } from "./artifact-lookup.js";
import { CONNECTION_FLAGS } from "./connection.js";
import { isDirectory, note, problemLine, readFactsFile, requireDirectory, selectNodes, siteCompiler, warningLine, type FactSet } from "./site.js";

/** `catalog diff` exits like diff(1), except that 1 is already "could not do it". */
export const EXIT_DIFFERENCES = 2;

export const catalogCommands: Record<string, Subcommand> = {
  "catalog compile": {
    usage: "catalog compile --site DIR --node NAME [--facts FILE] [--json]",
    summary: "compile one node's catalog locally and print it, or every problem (exit 1); artifacts are looked up on the server when one is configured",
    flags: {
      ...CONNECTION_FLAGS,
      site: { type: "string", value: "DIR", help: "the site directory to compile" },
      node: { type: "string", value: "NAME", help: "the node (certname) to compile for" },
      facts: { type: "string", value: "FILE", help: "the node's facts as JSON or YAML (default: none)" },
      ...JSON_FLAG,
    },
    async run(args) {
      const siteDir = await requireDirectory(required(args, "site", "catalog compile"), "site directory");
      const certname = required(args, "node", "catalog compile");
      const factsFile = str(args, "facts");
      if (factsFile === undefined) note(`no --facts: compiling ${certname} with empty facts`);
      const facts: Facts = factsFile === undefined ? {} : await readFactsFile(factsFile);
      const result = await (await siteCompiler(siteDir, await operatorArtifactLookup(args, note))).compile(certname, facts);
      if (bool(args, "json")) process.stdout.write(JSON.stringify(compiledJson(result), null, 2) + "\n");
      else {
        process.stdout.write(result.ok ? describeCatalog(result.body) : problemsText(siteDir, result.problems));
        // Beside the catalog, not in it: stdout stays what the agent would get.
        for (const w of result.warnings ?? []) process.stderr.write(warningLine(siteDir, w) + "\n");
      }
      return result.ok ? 0 : 1;
    },
  },
  "catalog diff": {
    usage: "catalog diff --site DIR --from REF --to REF [--node GLOB] [--facts-dir DIR] [--json]",
    summary: "per-node catalog differences between two versions of a site (dirs or git refs); exit 2 when they differ",
    flags: {
      ...CONNECTION_FLAGS,
      site: { type: "string", value: "DIR", help: "the site's git repository, for git refs (default: the current directory)" },
      from: { type: "string", value: "REF", help: "the version to compare from: a site directory or a git ref" },
      to: { type: "string", value: "REF", help: "the version to compare to: a site directory or a git ref" },
      node: { type: "string", value: "GLOB", help: "only nodes whose certname matches (default: every node with facts)" },
      "facts-dir": { type: "string", value: "DIR", help: "one NAME.json or NAME.yaml of facts per node (default: the nodes' facts on the server)" },
      ...JSON_FLAG,
    },
    async run(args) {
      const [fromRef, toRef] = [required(args, "from", "catalog diff"), required(args, "to", "catalog diff")];
      const site = str(args, "site");
      const opened: SiteRef[] = [];
      try {
        // One at a time, so that the first side is cleaned up when the second cannot be opened.
        for (const ref of [fromRef, toRef]) opened.push(await openSiteRef(ref, site));
        const nodes = await selectNodes(args, { patterns: optionalList(str(args, "node")), synthetic: false });
        const results = await diffNodes(opened[0], opened[1], nodes, await operatorArtifactLookup(args, note));
        if (bool(args, "json")) process.stdout.write(JSON.stringify({ from: opened[0].label, to: opened[1].label, nodes: results }, null, 2) + "\n");
        else process.stdout.write(describeDiffs(opened[0], opened[1], results));
        if (results.some((r) => r.problems)) return 1;
        return results.some((r) => r.diff && !isEmptyDiff(r.diff)) ? EXIT_DIFFERENCES : 0;
      } finally {
        await Promise.all(opened.map((s) => s.cleanup()));
      }
    },
  },
};

function required(args: ParsedArgs, flag: string, command: string): string {
  const value = str(args, flag);
  if (value === undefined || value === "") throw usageError(`ancla ${command}: --${flag} is required`);
  return value;
}

const optionalList = (value: string | undefined): string[] => (value === undefined ? [] : [value]);

// ---- compile output ----

/** --json: the catalog body as the agent receives it (sensitive values included), its digest, and the content it refers to. */
function compiledJson(result: CompileResult): unknown {
  const warnings = result.warnings ?? [];
  if (!result.ok) return { ok: false, problems: result.problems, warnings };
  const contents = [...result.contents].map(([sha256, bytes]) => ({ sha256, size: bytes.length })).sort((a, b) => a.sha256.localeCompare(b.sha256));
  return { ok: true, ...result.body, digest: bodyDigest(result.body), contents, warnings };
}

/** One line per resource: its shown properties, what it waits for and whom it notifies (each edge once). */
export function describeCatalog(body: CatalogBody): string {
  const lines = [`catalog for ${body.certname}: ${plural(body.resources.length, "resource")}, ${plural(body.edges.length, "edge")} (site ${body.siteVersion}, digest ${bodyDigest(body)})`];
  for (const r of body.resources) {
    const ref = resourceRef(r);
    const after = refsOf(
      body.edges,
      (e) => e.to === ref && e.kind === "require",
      (e) => e.from,
    );
    const notifies = refsOf(
      body.edges,
      (e) => e.from === ref && e.kind === "notify",
      (e) => e.to,
    );
    const relations = [after && `after ${after}`, notifies && `notifies ${notifies}`].filter(Boolean).join("; ");
    lines.push([ref, showProperties(shownProperties(r)), relations && `[${relations}]`].filter(Boolean).join("  "));
  }
  return lines.join("\n") + "\n";
}

function refsOf(edges: Edge[], which: (e: Edge) => boolean, end: (e: Edge) => string): string {
  return edges.filter(which).map(end).join(", ");
}

function problemsText(siteDir: string, problems: SiteProblem[]): string {
  return problems.map((p) => problemLine(siteDir, p) + "\n").join("");
}

// ---- diff ----

interface SiteRef {
  dir: string;
  /** How the side is named to the reader: the directory, or the git ref and its commit. */
  label: string;
  /** Where problems' files are shown: the directory, or --site for a git ref (its files live there in the repository). */
  problemsAt: string;
  cleanup(): Promise<void>;
}

interface NodeDiff {
  certname: string;
  /** Absent when a side did not compile. */
  diff?: CatalogDiff;
  problems?: { from?: SiteProblem[]; to?: SiteProblem[] };
}

async function diffNodes(from: SiteRef, to: SiteRef, nodes: FactSet[], artifacts: ArtifactLookup): Promise<NodeDiff[]> {
  const [before, after] = [await siteCompiler(from.dir, artifacts), await siteCompiler(to.dir, artifacts)];
  const results: NodeDiff[] = [];
  for (const { certname, facts } of nodes) {
    const [a, b] = [await before.compile(certname, facts), await after.compile(certname, facts)];
    if (a.ok && b.ok) results.push({ certname, diff: diffCatalogs(a.body, b.body) });
    else results.push({ certname, problems: { from: a.ok ? undefined : a.problems, to: b.ok ? undefined : b.problems } });
  }
  return results;
}

function describeDiffs(from: SiteRef, to: SiteRef, results: NodeDiff[]): string {
  let text = `--- ${from.label}\n+++ ${to.label}\n`;
  for (const r of results) {
    if (r.diff) text += `${r.certname}: ${summarizeDiff(r.diff)}\n${formatCatalogDiff(r.diff, "  ")}`;
    for (const [side, problems] of [
      [from, r.problems?.from],
      [to, r.problems?.to],
    ] as const) {
      if (!problems) continue;
      text += `${r.certname}: does not compile at ${side.label}\n${problemsText(side.problemsAt, problems)}`;
    }
  }
  const differing = results.filter((r) => r.diff && !isEmptyDiff(r.diff)).length;
  const failed = results.filter((r) => r.problems).length;
  const parts = [`${differing} with differences`, `${results.length - differing - failed} unchanged`, failed > 0 && `${failed} failed to compile`];
  return text + `${plural(results.length, "node")}: ${parts.filter(Boolean).join(", ")}\n`;
}

const run = promisify(execFile);

/** REF as a site: a directory as is, otherwise a git commit of the repository holding --site, exported to a temp dir. */
async function openSiteRef(ref: string, site: string | undefined): Promise<SiteRef> {
  if (await isDirectory(ref)) return { dir: ref, label: ref, problemsAt: ref, cleanup: async () => {} };
  if (site === undefined) throw usageError(`ancla catalog diff: "${ref}" is not a directory; to read it as a git ref, give --site DIR inside the repository`);
  await requireDirectory(site, "site directory");
  const top = await git(site, ["rev-parse", "--show-toplevel"], `${site} is not inside a git repository, so "${ref}" cannot be read as a git ref`);
  const prefix = await git(site, ["rev-parse", "--show-prefix"], `cannot locate ${site} in its repository`);
  const commit = await git(site, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], `"${ref}" is neither a directory nor a commit of the repository at ${top}`);
  const tmp = await mkdtemp(path.join(tmpdir(), "ancla-site-ref-"));
  const cleanup = () => rm(tmp, { recursive: true, force: true });
  try {
    await exportTree(top, commit, prefix, tmp, ref);
  } catch (err) {
    await cleanup();
    throw err;
  }
  return { dir: path.join(tmp, "tree", prefix), label: `${ref} (${commit.slice(0, 12)})`, problemsAt: site, cleanup };
}

/** `git archive` of the site's path at `commit`, unpacked by the system tar: the repository and its work tree stay untouched. */
async function exportTree(top: string, commit: string, prefix: string, tmp: string, ref: string): Promise<void> {
  const tar = path.join(tmp, "site.tar");
  const tree = path.join(tmp, "tree");
  await git(top, ["archive", "--format=tar", "-o", tar, commit, ...(prefix ? ["--", prefix] : [])], `the site path ${prefix || "."} does not exist at ${ref}`);
  await mkdir(tree);
  try {
    await run("tar", ["-xf", tar, "-C", tree]);
  } catch (err) {
    throw new AnclaError("ANCLA_E_IO", `cannot unpack ${ref} with tar: ${firstLine(err)}`, { cause: err });
  }
}

async function git(cwd: string, args: string[], failure: string): Promise<string> {
  try {
    return (await run("git", ["-C", cwd, ...args], { maxBuffer: 16 * 1024 * 1024 })).stdout.trim();
  } catch (err) {
    const detail = firstLine(err);
    throw new AnclaError("ANCLA_E_CONFIG", detail ? `${failure} (git: ${detail})` : failure, { cause: err });
  }
}

/** What the tool said on stderr; its own "Command failed: ..." message repeats the command, not the reason. */
function firstLine(err: unknown): string {
  const e = err as { stderr?: string; code?: unknown };
  if (e.code === "ENOENT") return "not found on PATH";
  return (e.stderr ?? "").trim().split("\n")[0];
}
