// Golden catalogs: the example site compiled for each sample fact set in
// examples/facts must give exactly the checked-in test/catalog/golden/<node>.json.
// A change to the compiler or the site that moves any byte shows up here as a
// reviewable diff. After an intended change: UPDATE_GOLDEN=1 npx tap <this file>.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import t from "tap";
import { canonicalJson } from "../../../catalog/canonical.js";
import type { CompileResult, Facts } from "../../../catalog/compile-seam.js";
import { formatProblem } from "../../../catalog/compile-seam.js";
import { createSiteCompiler } from "../../../catalog/site/create-site-compiler.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../../..");
const SITE = path.join(ROOT, "examples/site");
const FACTS = path.join(ROOT, "examples/facts");
const UPDATE = process.env.UPDATE_GOLDEN === "1";

/** The catalog without its site version (which changes with every commit), plus what its content digests refer to. */
function golden(result: CompileResult & { ok: true }): string {
  const { certname, resources, edges } = result.body;
  const contents = [...result.contents].map(([sha256, bytes]) => ({ sha256, size: bytes.length })).sort((a, b) => a.sha256.localeCompare(b.sha256));
  // Canonical (sorted keys), then indented, so that a failing comparison is a readable line diff.
  return JSON.stringify(JSON.parse(canonicalJson({ certname, resources, edges, contents })), null, 2) + "\n";
}

const factSets = readdirSync(FACTS)
  .filter((f) => f.endsWith(".json"))
  .map((f) => ({ certname: f.slice(0, -".json".length), facts: JSON.parse(readFileSync(path.join(FACTS, f), "utf8")) as Facts }));

t.ok(factSets.length >= 3, "several sample fact sets");

for (const { certname, facts } of factSets) {
  t.test(`${certname}: the example site compiles to its golden catalog`, async (t) => {
    const compiler = createSiteCompiler(SITE);
    const result = await compiler.compile(certname, facts);
    if (!result.ok) {
      t.fail(`the example site does not compile for ${certname}:\n${result.problems.map(formatProblem).join("\n")}`);
      return;
    }
    t.equal(result.body.certname, certname);
    t.equal(result.body.siteVersion, await compiler.siteVersion(), "the catalog records the site version");
    const file = path.join(HERE, `${certname}.json`);
    const actual = golden(result);
    if (UPDATE) writeFileSync(file, actual);
    t.equal(actual, readFileSync(file, "utf8"), `${path.relative(ROOT, file)} (UPDATE_GOLDEN=1 rewrites it after an intended change)`);
    const again = await createSiteCompiler(SITE).compile(certname, facts);
    t.equal(again.ok && golden(again), actual, "a fresh compiler gives the same bytes");
  });
}
