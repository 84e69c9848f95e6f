// Content from `content`, `template` and `source: files/...`: up to 16 KiB of
// text inline, larger (or binary) content by SHA-256 with its bytes in
// `contents`; an image's source is always by digest. Source paths may not
// leave the module's files/ directory.
import t from "tap";
import { sha256Hex } from "../../catalog/canonical.js";
import { compileFiles, expectOk, problemLines, site, type SiteFiles } from "./_helpers.js";

const binary = Buffer.from([0, 1, 2, 255, 254, 10, 13]);

t.test("binary source bytes go into contents by sha256; small text is inline", async (t) => {
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
  t.same(
    body.resources.map((r) => r.properties),
    [
      { ensure: "file", content_sha256: blob },
      { ensure: "file", content_sha256: blob },
      { ensure: "file", content: "per node\n" },
    ],
  );
  t.same([...contents.keys()], [blob], "binary bytes go by digest, small text inline");
  t.same(Buffer.from(contents.get(blob)!), binary);
});

function withSource(source: string, moduleFiles: SiteFiles = { "ok.txt": "ok\n" }): SiteFiles {
  return site({ base: { "module.yaml": `resources:\n  - type: file\n    title: /srv/x\n    source: ${source}\n`, files: moduleFiles } });
}

t.test("paths that escape the module's files/ directory are refused", async (t) => {
  for (const source of ["files/../../../nodes.yaml", "/etc/passwd", "module.yaml", "files/", "../base/files/ok.txt"]) {
    t.same(
      problemLines(await compileFiles(t, withSource(source))),
      [`modules/base/module.yaml:4:13: for node web-01: \`source\` must be a path inside the module's files/ directory, like files/motd, not ${JSON.stringify(source)}`],
      source,
    );
  }
});

t.test("a symlink leading out of files/ is refused", async (t) => {
  const files = withSource("files/link", { link: t.fixture("symlink", "../../../nodes.yaml") });
  t.same(problemLines(await compileFiles(t, files)), ["modules/base/module.yaml:4:13: for node web-01: `source` files/link is a link that leads outside the module's files/ directory"]);
});

t.test("a missing source file and a directory are reported", async (t) => {
  t.same(problemLines(await compileFiles(t, withSource("files/nope.txt"))), ["modules/base/module.yaml:4:13: for node web-01: `source` files/nope.txt does not exist in the module"]);
  t.same(problemLines(await compileFiles(t, withSource("files/dir", { dir: { a: "a" } }))), ["modules/base/module.yaml:4:13: for node web-01: `source` files/dir is not a regular file"]);
});

t.test("content and source exclude each other", async (t) => {
  const files = site({
    base: { "module.yaml": `resources:\n  - type: file\n    title: /srv/x\n    content: hi\n    source: files/ok.txt\n`, files: { "ok.txt": "ok\n" } },
  });
  t.same(problemLines(await compileFiles(t, files)), ["modules/base/module.yaml:5:5: for node web-01: `content` and `source` exclude each other; keep one"]);
});

t.test("up to 16 KiB of text is inline; more goes by digest, from content, template or source alike", async (t) => {
  const small = "x".repeat(16 * 1024);
  const large = "y".repeat(16 * 1024 + 1);
  const files = site({
    base: {
      "module.yaml": `resources:
  - { type: file, title: /srv/small, content: ${small} }
  - { type: file, title: /srv/large-content, source: files/large }
  - { type: file, title: /srv/large-template, template: large.liquid }
`,
      files: { large },
      templates: { "large.liquid": large },
    },
  });
  const { body, contents } = expectOk(t, await compileFiles(t, files));
  const digest = sha256Hex(large);
  t.same(
    body.resources.map((r) => r.properties),
    [
      { ensure: "file", content: small },
      { ensure: "file", content_sha256: digest },
      { ensure: "file", content_sha256: digest },
    ],
  );
  t.same([...contents.keys()], [digest]);
  t.equal(Buffer.from(contents.get(digest)!).toString(), large);
});

t.test("an image's source is always by digest, however small", async (t) => {
  const files = site({
    base: {
      "module.yaml": "resources:\n  - type: image\n    title: webapp\n    source: files/webapp.tar.gz\n    path: /opt/webapp\n",
      files: { "webapp.tar.gz": "tiny" },
    },
  });
  const { body, contents } = expectOk(t, await compileFiles(t, files));
  t.equal(body.resources[0].properties.content_sha256, sha256Hex("tiny"));
  t.same([...contents.keys()], [sha256Hex("tiny")]);
});
