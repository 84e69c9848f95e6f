// A site cannot make the compiler expand or parse without bound (issue 11,
// item 3): aliases of aliases ("billion laughs") are refused at the alias that
// overflows, before anything reads the values, and a site YAML file over
// 1 MiB is refused before it is read. Real sites, aliases included, compile.
import t from "tap";
import { compileFiles, problemLines, site } from "./_helpers.js";

/** 436 bytes that stand for 10^9 nodes. */
function laughs(): string {
  const lines = ["params:", '  lol0: { type: list, default: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"] }'];
  for (let i = 1; i <= 9; i++)
    lines.push(
      `  lol${i}: { type: list, default: &a${i} [${Array(10)
        .fill(`*a${i - 1}`)
        .join(",")}] }`,
    );
  return `${lines.join("\n")}\nresources: []\n`;
}

t.test("aliases that expand past the bound are a problem at the alias, quickly", async (t) => {
  const problems = problemLines(await compileFiles(t, site({ base: laughs() })));
  t.equal(problems.length, 1, problems.join("\n"));
  t.match(problems[0], /^modules\/base\/module\.yaml:\d+:\d+: for node web-01: aliases here expand the document past 100000 nodes/);
});

t.test("ordinary aliases still work", async (t) => {
  const module =
    'params:\n  ports: { type: list, default: &p [80, 443] }\n  more: { type: list, default: *p }\nresources:\n  - type: file\n    title: /srv/ports\n    content: "port ${params.more[1]}\\n"\n';
  t.same(problemLines(await compileFiles(t, site({ base: module }))), []);
});

t.test("a site YAML file over 1 MiB is refused, named, before it is read", async (t) => {
  const big = `resources: []\n# ${"x".repeat(1024 * 1024)}\n`;
  t.same(problemLines(await compileFiles(t, site({ base: big }))), [
    `modules/base/module.yaml:1:1: for node web-01: the file is ${Buffer.byteLength(big)} bytes, over the 1048576 bytes a site YAML file may have; split it (data files per node or role) or move the bulk into module files`,
  ]);
});
