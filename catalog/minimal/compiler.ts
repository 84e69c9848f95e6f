// A deliberately minimal site compiler: certname-glob classification and
// `file` resources with `${node.name}`. The full site language (CEL, typed
// params, data hierarchy, Liquid) replaces it behind the same `SiteCompiler` seam.
import path from "node:path";
import type { CompileResult, Facts, SiteCompiler, SiteProblem } from "../compiler.js";
import type { CatalogBody, Resource } from "../model.js";
import { siteVersion } from "../site-version.js";
import { link } from "./graph.js";
import { readModule, type Declared } from "./module.js";
import { classify, readRules } from "./nodes.js";
import { loadYaml, problemAtStart } from "./yaml-file.js";

/** Attempts before giving up on a site that keeps changing under the compiler. */
const ATTEMPTS = 3;

export function createMinimalCompiler(siteDir: string): SiteCompiler {
  const root = path.resolve(siteDir);
  return {
    siteVersion: () => siteVersion(root),
    // Facts are not used yet: classification by facts (`when:`) belongs to the full language.
    compile: (certname: string, _facts: Facts) => compileConsistent(root, certname),
  };
}

/**
 * Compiles between two reads of the site version and retries when they differ,
 * so a catalog never claims one version while holding files of another.
 */
async function compileConsistent(root: string, certname: string): Promise<CompileResult> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const before = await siteVersion(root);
    const result = await compileOnce(root, certname, before);
    if ((await siteVersion(root)) === before) return result;
  }
  return { ok: false, problems: [problemAtStart("nodes.yaml", "the site kept changing while it was compiled; try again once it is written")] };
}

async function compileOnce(root: string, certname: string, version: string): Promise<CompileResult> {
  const problems: SiteProblem[] = [];
  const contents = new Map<string, Uint8Array>();
  const declared = await declareAll(root, certname, problems, contents);
  const edges = link(declared, problems);
  if (problems.length > 0) return { ok: false, problems: inReadingOrder(problems) };
  const resources = declared.map((d) => d.resource).filter((r): r is Resource => r !== undefined);
  const body: CatalogBody = { certname, siteVersion: version, resources, edges };
  return { ok: true, body, contents };
}

/** Every resource of the modules the node is classified into, in module then declaration order. */
async function declareAll(root: string, certname: string, problems: SiteProblem[], contents: Map<string, Uint8Array>): Promise<Declared[]> {
  const nodes = await loadYaml(root, "nodes.yaml");
  if (nodes.kind === "missing") {
    problems.push(problemAtStart("nodes.yaml", "nodes.yaml is missing: the site needs one to classify nodes"));
    return [];
  }
  if (nodes.kind === "invalid") {
    problems.push(...nodes.problems);
    return [];
  }
  const declared: Declared[] = [];
  // One module at a time: the order of resources (and thus the catalog bytes) must not depend on I/O timing.
  for (const use of classify(readRules(nodes.file, problems), certname)) {
    const read = await readModule(root, use.name, certname, problems, contents);
    if (read.kind === "missing") problems.push({ ...use.where, message: `module ${use.name} not found: ${read.rel} does not exist` });
    if (read.kind === "ok") declared.push(...read.declared);
  }
  return declared;
}

/** Files in the order they were read (nodes.yaml, then modules), each file top to bottom. */
function inReadingOrder(problems: SiteProblem[]): SiteProblem[] {
  const fileOrder = new Map<string, number>();
  for (const p of problems) if (!fileOrder.has(p.file)) fileOrder.set(p.file, fileOrder.size);
  return [...problems].sort((a, b) => fileOrder.get(a.file)! - fileOrder.get(b.file)! || a.line - b.line || a.column - b.column);
}
