// The site-language compiler behind the `SiteCompiler` seam. The site is
// parsed and compiled once per site version; a node's compile only evaluates
// expressions and assembles its catalog.
import path from "node:path";
import type { CompileResult, Facts, SiteCompiler } from "../compiler.js";
import { siteVersion } from "../site-version.js";
import { compileNode } from "./compile-node.js";
import { loadSite, type Site } from "./site.js";
import { problemAtStart } from "./yaml-file.js";

/** Attempts before giving up on a site that keeps changing under the compiler. */
const ATTEMPTS = 3;

export function createSiteCompiler(siteDir: string): SiteCompiler {
  const root = path.resolve(siteDir);
  let loaded: { version: string; site: Promise<Site> } | undefined;
  const siteAt = (version: string): Promise<Site> => {
    if (loaded?.version !== version) loaded = { version, site: loadSite(root) };
    return loaded.site;
  };
  return {
    siteVersion: () => siteVersion(root),
    compile: (certname: string, facts: Facts) => compileConsistent(root, siteAt, certname, facts),
  };
}

/**
 * Compiles between two reads of the site version and retries when they differ,
 * so a catalog never claims one version while holding files of another.
 */
async function compileConsistent(root: string, siteAt: (version: string) => Promise<Site>, certname: string, facts: Facts): Promise<CompileResult> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const before = await siteVersion(root);
    const result = await compileNode(await siteAt(before), before, certname, facts);
    if ((await siteVersion(root)) === before) return result;
  }
  return { ok: false, problems: [problemAtStart("nodes.yaml", "the site kept changing while it was compiled; try again once it is written")] };
}
