// Asked on every check-in: an unchanged tree is only listed and stat'ed, never read again.
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import t from "tap";

t.test("only new or changed files are read", async (t) => {
  const reads: string[] = [];
  const { siteVersion } = await t.mockImport<typeof import("../../catalog/site-version.js")>("../../catalog/site-version.js", {
    "node:fs": {
      ...fs,
      readFileSync: (file: string, ...rest: unknown[]) => {
        reads.push(String(file));
        return (fs.readFileSync as (...a: unknown[]) => unknown)(file, ...rest);
      },
    },
  });
  const files: { [name: string]: string } = {};
  for (let i = 0; i < 300; i++) files[`f${String(i).padStart(3, "0")}.yaml`] = `n: ${i}\n`;
  const dir = t.testdir({ "nodes.yaml": "nodes: []\n", modules: files });
  const siteFiles = (): string[] => reads.filter((f) => f.startsWith(dir));

  const first = await siteVersion(dir);
  t.equal(siteFiles().length, 301, "the first call reads every file");
  reads.length = 0;
  t.equal(await siteVersion(dir), first);
  t.same(siteFiles(), [], "an unchanged tree is not read again");
  await fsp.writeFile(`${dir}/modules/f007.yaml`, "n: seven\n");
  t.not(await siteVersion(dir), first);
  t.same(siteFiles(), [`${dir}/modules/f007.yaml`], "only the changed file is read");
});
