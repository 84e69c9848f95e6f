// Liquid templates (liquidjs) of one module: strict variables and filters, so
// a typo is a compile problem instead of an empty string in a config file,
// and a file system limited to the module's templates/. Each template is
// parsed once (one engine lives as long as the site version that holds its files).
import { Liquid, LiquidError, type Template } from "liquidjs";
import type { JsonValue } from "../model.js";
import { SECRET_NAME, SECRET_NAME_RULE, secretMarker } from "../secrets/markers.js";
import { moduleTemplatesFs, confinedPath } from "./module-fs.js";

export type Rendered = { ok: true; text: string } | { ok: false; message: string };

export interface ModuleTemplates {
  render(name: string, scope: { [name: string]: JsonValue }): Rendered;
  /**
   * The top-level variables the template (with its partials) reads, or
   * undefined when that cannot be known: lets a caller render once for
   * resources whose scopes differ only in variables the template ignores.
   */
  variables(name: string): ReadonlySet<string> | undefined;
}

type Parsed = { ok: true; templates: Template[]; variables?: ReadonlySet<string> } | { ok: false; message: string };

/**
 * Bounds that keep a hostile template from exhausting the server (a loop over
 * 1..1e9). Counted in parsed characters and allocations, not time, so that
 * the same site always gives the same result.
 */
const LIMITS = { parseLimit: 10_000_000, memoryLimit: 64_000_000 };

export function moduleTemplates(files: ReadonlyMap<string, string>): ModuleTemplates {
  const engine = new Liquid({
    fs: moduleTemplatesFs(files),
    root: ["."],
    relativeReference: false,
    extname: ".liquid",
    strictVariables: true,
    strictFilters: true,
    ownPropertyOnly: true,
    cache: true,
    ...LIMITS,
  });
  // `{{ "NAME" | secret }}`: the same marker as CEL's secret("NAME"), bound and checked once the resource is evaluated.
  engine.registerFilter("secret", (name: unknown) => {
    if (typeof name !== "string" || !SECRET_NAME.test(name)) throw new Error(`${JSON.stringify(name)} is not a secret name: ${SECRET_NAME_RULE}`);
    return secretMarker(name);
  });
  const parsed = new Map<string, Parsed>();
  const parse = (name: string): Parsed => {
    let hit = parsed.get(name);
    if (!hit) parsed.set(name, (hit = parseTemplate(engine, files, name)));
    return hit;
  };
  return {
    render(name, scope) {
      const p = parse(name);
      if (!p.ok) return p;
      try {
        return { ok: true, text: engine.renderSync(p.templates, scope) };
      } catch (err) {
        return { ok: false, message: `template ${name}: ${liquidMessage(err)}` };
      }
    },
    variables: (name) => {
      const p = parse(name);
      return p.ok ? p.variables : undefined;
    },
  };
}

function parseTemplate(engine: Liquid, files: ReadonlyMap<string, string>, name: string): Parsed {
  const key = confinedPath(name);
  if (key === undefined) return { ok: false, message: `template ${JSON.stringify(name)} must be a path inside the module's templates/ directory` };
  if (!files.has(key)) return { ok: false, message: `template ${name} does not exist in the module's templates/ directory` };
  let templates: Template[];
  try {
    templates = engine.parseFileSync(key);
  } catch (err) {
    return { ok: false, message: `template ${key}: ${liquidMessage(err)}` };
  }
  let variables: ReadonlySet<string> | undefined;
  try {
    variables = new Set(engine.globalVariablesSync(templates));
  } catch {
    // A partial that cannot be analysed (missing, dynamic): then nothing is assumed about what the template reads.
  }
  return { ok: true, templates, variables };
}

/** One line: liquidjs appends the position (", line:2, col:4") and sometimes the file; the file is added when missing (a partial's line is no use without it), the source excerpt it adds is dropped. */
function liquidMessage(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const first = err.message.split("\n")[0];
  const file = err instanceof LiquidError ? err.token?.file : undefined;
  return file && !first.includes("file:") ? `${first}, file:${file}` : first;
}
