// Liquid templates (liquidjs) of one module: strict variables and filters, so
// a typo is a compile problem instead of an empty string in a config file,
// and a file system limited to the module's templates/. Each template is
// parsed once (the engine caches it by name; one engine lives as long as the
// site version that holds its files).
import { Liquid, LiquidError } from "liquidjs";
import type { JsonValue } from "../model.js";
import { moduleTemplatesFs, confinedPath } from "./module-fs.js";

export type Rendered = { ok: true; text: string } | { ok: false; message: string };

export interface ModuleTemplates {
  render(name: string, scope: { [name: string]: JsonValue }): Rendered;
}

/** Bounds that keep a hostile template from exhausting the server (a loop over 1..1e9). */
const LIMITS = { parseLimit: 10_000_000, memoryLimit: 64_000_000, renderLimit: 5_000 };

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
  return {
    render(name, scope) {
      const key = confinedPath(name);
      if (key === undefined) return { ok: false, message: `template ${JSON.stringify(name)} must be a path inside the module's templates/ directory` };
      if (!files.has(key)) return { ok: false, message: `template ${name} does not exist in the module's templates/ directory` };
      try {
        return { ok: true, text: engine.renderSync(engine.parseFileSync(key), scope) };
      } catch (err) {
        return { ok: false, message: `template ${key}: ${liquidMessage(err)}` };
      }
    },
  };
}

/** One line: liquidjs appends the position (", line:2, col:4") and sometimes the file; the file is added when missing (a partial's line is no use without it), the source excerpt it adds is dropped. */
function liquidMessage(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const first = err.message.split("\n")[0];
  const file = err instanceof LiquidError ? err.token?.file : undefined;
  return file && !first.includes("file:") ? `${first}, file:${file}` : first;
}
