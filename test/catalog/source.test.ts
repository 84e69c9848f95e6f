// `source: files/...` puts the file's bytes into `contents` under their SHA-256 and
// the digest into `content_sha256`; paths may not leave the module's files/ directory.
import t from "tap";
import { sha256Hex } from "../../catalog/canonical.js";
import { compileFiles, expectOk, problemLines, site, type SiteFiles } from "./_helpers.js";

const binary = Buffer.from([0, 1, 2, 255, 254, 10, 13]);

t.test("source bytes go into contents, keyed and referred to by their sha256", async (t) => {
  const files = site({
    base: {
      "module.yaml": `resources:
  - type: file
    title: /srv/blob
    source: files/sub/blob.bin
  - type: file
    title: /srv/blob-again
    source: files/sub/blob.bin
  - type: file
    title: /srv/\${node.name}.txt
    source: files/\${node.name}.txt
`,
      files: { sub: { "blob.bin": binary }, "web-01.txt": "per node\n" },
    },
  });
  const { body, contents } = expectOk(t, await compileFiles(t, files, "web-01"));
  const blob = sha256Hex(binary);
  const perNode = sha256Hex("per node\n");
  t.same(body.resources.map((r) => r.properties), [
    { ensure: "file", content_sha256: blob },
    { ensure: "file", content_sha256: blob },
    { ensure: "file", content_sha256: perNode },
  ]);
  t.same([...contents.keys()], [blob, perNode]);
  t.same(Buffer.from(contents.get(blob)!), binary);
  t.equal(Buffer.from(contents.get(perNode)!).toString(), "per node\n");
});

function withSource(source: string, moduleFiles: SiteFiles = { "ok.txt": "ok\n" }): SiteFiles {
  return site({ base: { "module.yaml": `resources:\n  - type: file\n    title: /srv/x\n    source: ${source}\n`, files: moduleFiles } });
}

t.test("paths that escape the module's files/ directory are refused", async (t) => {
  for (const source of ["files/../../../nodes.yaml", "/etc/passwd", "module.yaml", "files/", "../base/files/ok.txt"]) {
    t.same(
      problemLines(await compileFiles(t, withSource(source))),
      [`modules/base/module.yaml:4:13: \`source\` must be a path inside the module's files/ directory, like files/motd, not ${JSON.stringify(source)}`],
      source,
    );
  }
});

t.test("a symlink leading out of files/ is refused", async (t) => {
  const files = withSource("files/link", { link: t.fixture("symlink", "../../../nodes.yaml") });
  t.same(problemLines(await compileFiles(t, files)), [
    "modules/base/module.yaml:4:13: `source` files/link is a link that leads outside the module's files/ directory",
  ]);
});

t.test("a missing source file and a directory are reported", async (t) => {
  t.same(problemLines(await compileFiles(t, withSource("files/nope.txt"))), [
    "modules/base/module.yaml:4:13: `source` files/nope.txt does not exist in the module",
  ]);
  t.same(problemLines(await compileFiles(t, withSource("files/dir", { dir: { a: "a" } }))), [
    "modules/base/module.yaml:4:13: `source` files/dir is not a regular file",
  ]);
});

t.test("content and source exclude each other", async (t) => {
  const files = site({
    base: { "module.yaml": `resources:\n  - type: file\n    title: /srv/x\n    content: hi\n    source: files/ok.txt\n`, files: { "ok.txt": "ok\n" } },
  });
  t.same(problemLines(await compileFiles(t, files)), ["modules/base/module.yaml:5:5: `content` and `source` exclude each other; keep one"]);
});
