// The site-language compiler behind the `SiteCompiler` seam. The site is
// parsed and compiled once per site version; a node's compile only evaluates
// expressions and assembles its catalog.
import path from "node:path";
import type { CompileOptions, CompileResult, Facts, ReleaseAt, SiteCompiler } from "../compile-seam.js";
import { siteVersion } from "../site-version.js";
import type { ArtifactLookup } from "./artifact.js";
import { compileNode, environmentOf, type NodeInputs } from "./compile-node.js";
import { loadSite, type Site } from "./site.js";
import { problemAtStart } from "./yaml-file.js";

/** Attempts before giving up on a site that keeps changing under the compiler. */
const ATTEMPTS = 3;
/** Releases kept loaded besides the current site: a rollout compiles at two (stable and target), a rollback at one. */
const RELEASES_LOADED = 4;

export interface SiteCompilerOptions {
  /** Resolves `artifact: NAME@VERSION` (the server's artifact store); without it such a resource is a problem. */
  artifacts?: ArtifactLookup;
}

export function createSiteCompiler(siteDir: string, options: SiteCompilerOptions = {}): SiteCompiler {
  const root = path.resolve(siteDir);
  let loaded: { version: string; site: Promise<Site> } | undefined;
  const siteAt = (version: string): { site: Promise<Site>; fresh: boolean } => {
    if (loaded?.version === version) return { site: loaded.site, fresh: false };
    loaded = { version, site: loadSite(root) };
    return { site: loaded.site, fresh: true };
  };
  const releases = new Map<string, Promise<Site>>();
  const releaseSite = (at: ReleaseAt): Promise<Site> => {
    const key = `${at.version}\0${at.dir}`;
    const site = releases.get(key) ?? loadSite(path.resolve(at.dir));
    // Most recently used last, so the one dropped is the least recently used.
    releases.delete(key);
    releases.set(key, site);
    if (releases.size > RELEASES_LOADED) releases.delete(releases.keys().next().value!);
    return site;
  };
  const compileAt = async (certname: string, facts: Facts, at: ReleaseAt, secrets: CompileOptions["secrets"]): Promise<CompileResult> => {
    // A release's tree never changes: loaded once, no second look at its version.
    const result = await compileNode(await releaseSite(at), at.version, certname, facts, { artifacts: options.artifacts, secrets });
    if (!result.ok) return result;
    const current = await siteAt(await siteVersion(root)).site;
    return { ...result, currentEnvironment: environmentOf(current, certname, facts) };
  };
  return {
    siteVersion: () => siteVersion(root),
    compile: (certname: string, facts: Facts, { at, secrets }: CompileOptions = {}) =>
      at ? compileAt(certname, facts, at, secrets) : compileConsistent(root, siteAt, certname, facts, { artifacts: options.artifacts, secrets }),
  };
}

/**
 * A catalog never claims one version while holding files of another: when a
 * compile read from disk (a new site version, a module or file first needed),
 * the version is read again afterwards and the compile retried if it moved.
 * A compile that only used what was already loaded for its version needs no
 * second look, which halves the file-system work per check-in.
 */
async function compileConsistent(root: string, siteAt: (version: string) => { site: Promise<Site>; fresh: boolean }, certname: string, facts: Facts, inputs: NodeInputs): Promise<CompileResult> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const before = await siteVersion(root);
    const { site: loading, fresh } = siteAt(before);
    const site = await loading;
    const loadsBefore = site.loads.started;
    const result = await compileNode(site, before, certname, facts, inputs);
    if (!fresh && site.loads.started === loadsBefore) return result;
    if ((await siteVersion(root)) === before) return result;
  }
  return { ok: false, problems: [problemAtStart("nodes.yaml", "the site kept changing while it was compiled; try again once it is written")] };
}
