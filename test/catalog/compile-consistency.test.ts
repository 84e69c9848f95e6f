// A catalog never claims one site version while holding files of another:
// the compiler retries when the version moves during a compile, and gives up when it keeps moving.
import t, { type Test } from "tap";
import type { SiteCompiler } from "../../catalog/compile-seam.js";
import { expectOk, problemLines, site } from "./_helpers.js";

const files = site({ base: "resources:\n  - type: file\n    title: /srv/a\n" });

/** A compiler over `files` whose site version answers `versions` in turn, then the last one forever. */
async function withVersions(t: Test, versions: string[]): Promise<SiteCompiler> {
  let call = 0;
  const { createSiteCompiler } = await t.mockImport<typeof import("../../catalog/site/create-site-compiler.js")>("../../catalog/site/create-site-compiler.js", {
    "../../catalog/site-version.js": { siteVersion: async () => versions[Math.min(call++, versions.length - 1)] },
  });
  return createSiteCompiler(t.testdir(files));
}

t.test("a version that moved once is compiled again and the catalog carries the new one", async (t) => {
  const compiler = await withVersions(t, ["v1", "v2", "v2"]);
  const { body } = expectOk(t, await compiler.compile("web-01", {}));
  t.equal(body.siteVersion, "v2");
});

t.test("a version that keeps moving is a problem, not a catalog", async (t) => {
  const compiler = await withVersions(t, ["v1", "v2", "v3", "v4", "v5", "v6", "v7"]);
  t.same(problemLines(await compiler.compile("web-01", {})), ["nodes.yaml:1:1: the site kept changing while it was compiled; try again once it is written"]);
});
