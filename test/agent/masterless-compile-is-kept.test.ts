// A masterless run keeps its last compile (compiled-site-cache.ts) and uses it
// again while the site, the certname and the facts are what they were; a
// change to any of them compiles again, and a damaged cache is not trusted.
import t, { type Test } from "tap";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compileSite } from "../../agent/masterless/catalog-source.js";
import { compileKey, compiledSiteFile, keptCompile } from "../../agent/masterless/compiled-site-cache.js";
import { sha256Hex } from "../../catalog/canonical.js";
import { siteVersion } from "../../catalog/site-version.js";

function site(t: Test): { dir: string; kept: string } {
  const dir = t.testdir({
    site: {
      "nodes.yaml": 'nodes:\n  - match: "web-*"\n    modules: [base]\n',
      modules: { base: { "module.yaml": 'resources:\n  - type: file\n    title: /srv/role\n    content: "role=${facts.role} on ${node.name}\\n"\n' } },
    },
    state: {},
  });
  return { dir: join(dir, "site"), kept: compiledSiteFile(join(dir, "state")) };
}

const contentOf = (loaded: Awaited<ReturnType<typeof compileSite>>) => String(loaded.catalog.resources[0].properties.content);

t.test("the same site, certname and facts use the kept compile; each change compiles again", async (t) => {
  const { dir, kept } = site(t);
  const facts = { role: "web", uptime_seconds: 10 };
  const first = await compileSite(dir, "web-01", facts, kept);
  t.equal(contentOf(first), "role=web on web-01\n");
  const key = compileKey(await siteVersion(dir), "web-01", facts);
  t.ok(await keptCompile(kept, key), "the compile is kept under its key");

  // Proof that the kept compile is what a second run applies: edit the kept catalog (not the site).
  const stored = JSON.parse(readFileSync(kept, "utf8"));
  stored.body.resources[0].properties.content = "from the kept compile\n";
  writeFileSync(kept, JSON.stringify(stored));
  t.equal(contentOf(await compileSite(dir, "web-01", { ...facts, uptime_seconds: 99 }, kept)), "from the kept compile\n", "a volatile fact does not compile again");

  t.equal(contentOf(await compileSite(dir, "web-01", { ...facts, role: "db" }, kept)), "role=db on web-01\n", "another fact compiles again");
  t.equal(contentOf(await compileSite(dir, "web-02", { ...facts, role: "db" }, kept)), "role=db on web-02\n", "another certname compiles again");
  const module = join(dir, "modules/base/module.yaml");
  writeFileSync(module, readFileSync(module, "utf8").replace("role=", "the role is "));
  t.equal(contentOf(await compileSite(dir, "web-02", { ...facts, role: "db" }, kept)), "the role is db on web-02\n", "a changed site file compiles again");
});

t.test("a damaged or foreign cache file is ignored and replaced", async (t) => {
  const { dir, kept } = site(t);
  const facts = { role: "web" };
  writeFileSync(kept, "{ not json");
  t.equal(contentOf(await compileSite(dir, "web-01", facts, kept)), "role=web on web-01\n");
  t.ok(await keptCompile(kept, compileKey(await siteVersion(dir), "web-01", facts)), "replaced by a good one");
  writeFileSync(kept, JSON.stringify({ key: "someone else's", body: { certname: "x", resources: [], edges: [] }, contents: {} }));
  t.equal((await compileSite(dir, "web-01", facts, kept)).catalog.resources.length, 1, "another key is not used");
});

t.test("kept contents are checked against their digests before use", async (t) => {
  const { kept } = site(t);
  const body = { certname: "web-01", siteVersion: "v", resources: [], edges: [] };
  const good = Buffer.from("payload");
  const digest = sha256Hex(good);
  writeFileSync(kept, JSON.stringify({ key: "k", body, contents: { [digest]: good.toString("base64") } }));
  t.same([...(await keptCompile(kept, "k"))!.contents.keys()], [digest]);
  writeFileSync(kept, JSON.stringify({ key: "k", body, contents: { [digest]: Buffer.from("tampered").toString("base64") } }));
  t.equal(await keptCompile(kept, "k"), undefined, "a damaged content entry makes the whole compile untrusted");
});
