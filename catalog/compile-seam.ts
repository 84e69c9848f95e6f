// The seam between the server (and masterless agent) and the site language.
// Whatever implements `SiteCompiler` turns (site version, certname, facts) into a
// deterministic catalog body plus the content it refers to by digest.
import type { CatalogBody, JsonValue } from "./model.js";
import type { SecretDirectory } from "./secrets/directory.js";
import type { SecretUse } from "./secrets/markers.js";

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
      /**
       * Compiled at a release other than the site's current one: the
       * environment the current site gives the node. Which release a node
       * follows is decided by the current site, so that a node moved to
       * another environment does not flip between the two releases' answers.
       */
      currentEnvironment?: string;
      /** The secrets its resources were bound to (none: absent), by name. */
      secrets?: SecretUse[];
    }
  | { ok: false; problems: SiteProblem[] }
) & {
  /** What compiles but is likely a mistake (an exec that runs on every run): shown to operators, never stops a catalog. */
  warnings?: SiteProblem[];
};

/** A kept release laid out as a site directory (server/releases/tree.ts): it never changes. */
export interface ReleaseAt {
  version: string;
  dir: string;
}

export interface CompileOptions {
  /** A kept release to compile at; absent: the site as it is now. */
  at?: ReleaseAt;
  /** The secrets the node's resources may bind; absent: none exist (every use blocks its resource). */
  secrets?: SecretDirectory;
}

export interface SiteCompiler {
  /** The git commit of the site, or a content hash when it is not a repository. Cheap enough to call on every check-in. */
  siteVersion(): Promise<string>;
  compile(certname: string, facts: Facts, options?: CompileOptions): Promise<CompileResult>;
}

export function formatProblem(p: SiteProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.message}`;
}
