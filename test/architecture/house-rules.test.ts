// The house's import rules, checked on every source file so that a wrong
// import fails the suite instead of waiting for a review: the agent never
// imports the server and vice versa, and the lower floors (core, proto,
// pki, catalog) import nothing above them (docs/architecture.md).
import t from "tap";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { ROOT } from "../helpers/processes.js";

/** Which top-level folders each folder may import from (besides itself and node_modules). */
const MAY_IMPORT: Record<string, readonly string[]> = {
  core: [],
  proto: ["core"],
  pki: ["core", "proto"],
  catalog: ["core", "proto", "pki"],
  agent: ["core", "proto", "pki", "catalog"],
  server: ["core", "proto", "pki", "catalog"],
};

/** Every .ts file below `dir`, generated code left out (it is built from proto/, not written). */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts") && !join(e.parentPath, e.name).includes(`${sep}gen${sep}`))
    .map((e) => join(e.parentPath, e.name));
}

/** Relative specifiers of static imports, re-exports and dynamic import()s. */
function relativeImports(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["'](\.{1,2}\/[^"']+)["']/gm)) found.push(m[1]);
  return found;
}

/** The top-level folder a path inside the repository is in. */
function floor(path: string): string {
  return relative(ROOT, path).split(sep)[0];
}

t.test("the import scanner sees static, re-exported, side-effect and dynamic imports", async (t) => {
  const text = [`import { a } from "../x/a.js";`, `export * from '../y/b.js';`, `import "../z/c.js";`, `const m = await import("../w/d.js");`, `import fs from "node:fs";`].join("\n");
  t.same(relativeImports(text), ["../x/a.js", "../y/b.js", "../z/c.js", "../w/d.js"]);
});

for (const [folder, allowed] of Object.entries(MAY_IMPORT)) {
  t.test(`${folder}/ imports only from ${allowed.length ? allowed.join(", ") : "itself"}`, async (t) => {
    const files = sources(join(ROOT, folder));
    t.ok(files.length > 0, `${folder}/ has sources`);
    const wrong: string[] = [];
    for (const file of files) {
      for (const spec of relativeImports(readFileSync(file, "utf8"))) {
        const target = floor(resolve(dirname(file), spec));
        if (target !== folder && !allowed.includes(target)) wrong.push(`${relative(ROOT, file)} imports ${spec} (${target}/)`);
      }
    }
    t.same(wrong, [], "no import crosses the house's rules");
  });
}
