// The seam between the server (and masterless agent) and the site language.
// Whatever implements `SiteCompiler` turns (site version, certname, facts) into a
// deterministic catalog body plus the content it refers to by digest.
import type { CatalogBody, JsonValue } from "./model.js";

export type Facts = { [key: string]: JsonValue };

/** A problem in the site, located precisely enough to jump to it in an editor. */
export interface SiteProblem {
  file: string;
  line: number;
  column: number;
  message: string;
}

export type CompileResult = (
  | {
      ok: true;
      body: CatalogBody;
      /** content referred to by sha256 (hex) in the body */
      contents: Map<string, Uint8Array>;
      /** The node's environment (nodes.yaml `environment:`, else production): which release and rollout it follows. */
      environment: string;
    }
  | { ok: false; problems: SiteProblem[] }
) & {
  /** What compiles but is likely a mistake (an exec that runs on every run): shown to operators, never stops a catalog. */
  warnings?: SiteProblem[];
};

export interface SiteCompiler {
  /** The git commit of the site, or a content hash when it is not a repository. Cheap enough to call on every check-in. */
  siteVersion(): Promise<string>;
  compile(certname: string, facts: Facts): Promise<CompileResult>;
}

export function formatProblem(p: SiteProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.message}`;
}
