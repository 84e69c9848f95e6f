// Shared by the catalog tests: compile a site written into a tap test dir.
import type { Test } from "tap";
import { formatProblem, type CompileResult, type Facts } from "../../catalog/compile-seam.js";
import { createSiteCompiler } from "../../catalog/site/create-site-compiler.js";
import type { CatalogBody } from "../../catalog/model.js";

export type SiteFiles = NonNullable<Parameters<Test["testdir"]>[0]>;
/** A directory of site files, open to spreading in more (data/, ancla.yaml). */
export type SiteDir = { [name: string]: SiteFiles };

export async function compileFiles(t: Test, files: SiteFiles, certname = "web-01", facts: Facts = {}): Promise<CompileResult> {
  return createSiteCompiler(t.testdir(files)).compile(certname, facts);
}

/** The problems as `file:line:column: message` lines; an empty list when the site compiled. */
export function problemLines(result: CompileResult): string[] {
  return result.ok ? [] : result.problems.map(formatProblem);
}

/** The compiled body and contents, failing the test (with the problems) when the site did not compile. */
export function expectOk(t: Test, result: CompileResult): { body: CatalogBody; contents: Map<string, Uint8Array> } {
  if (!result.ok) {
    t.fail(`site did not compile:\n${problemLines(result).join("\n")}`);
    return { body: { certname: "", siteVersion: "", resources: [], edges: [] }, contents: new Map() };
  }
  return { body: result.body, contents: result.contents };
}

/** A site from its modules (a string is the module.yaml; an object, the whole module dir), by default all given to every node. */
export function site(modules: { [name: string]: string | SiteFiles }, nodes = 'nodes:\n  - match: "*"\n    modules: [base]\n'): SiteDir {
  const dirs: { [name: string]: SiteFiles } = {};
  for (const [name, m] of Object.entries(modules)) dirs[name] = typeof m === "string" ? { "module.yaml": m } : m;
  return { "nodes.yaml": nodes, modules: dirs };
}
