// Event.diff: a unified diff of a file's content change, bounded; none for a
// sensitive resource, binary content, or either side too large.
import t from "tap";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { sha256Hex } from "../../../catalog/canonical.js";
import { MAX_DIFF_BYTES } from "../../../agent/providers/file-diff.js";
import { apply, catalogOf, contentStore, file } from "../_helpers.js";

const lines = (n: number, word: string) => Array.from({ length: n }, (_, i) => `${word} ${i}\n`).join("");

t.test("a content change carries a unified diff old → new, in noop too", async (t) => {
  const path = join(t.testdir({ f: "one\ntwo\nthree\n" }), "f");
  const catalog = catalogOf([file(path, { content: "one\n2\nthree\n", mode: "0600" })]);
  const expected = `--- ${path}\n+++ ${path}\n@@ -1,3 +1,3 @@\n one\n-two\n+2\n three\n`;
  const noop = await apply(catalog, { noop: true });
  t.equal(noop.events[0].diff, expected, "noop shows the diff of inline content");
  const real = await apply(catalog);
  t.same(
    real.events.map((e) => [e.property, e.diff]),
    [
      ["content", expected],
      ["mode", ""],
    ],
    "only the content event has a diff",
  );
});

t.test("content by digest gets its diff when fetched to be written (noop fetches nothing)", async (t) => {
  const path = join(t.testdir({ f: "a\n" }), "f");
  const catalog = catalogOf([file(path, { content_sha256: sha256Hex("b\n") })]);
  const fetchContent = contentStore("b\n");
  t.equal((await apply(catalog, { noop: true, fetchContent })).events[0].diff, "");
  t.equal((await apply(catalog, { fetchContent })).events[0].diff, `--- ${path}\n+++ ${path}\n@@ -1,1 +1,1 @@\n-a\n+b\n`);
});

t.test("two one-line edits in a 3,000-line file: the report shows the two edits, not every line", async (t) => {
  const before = lines(3000, "line");
  const path = join(t.testdir({ f: before }), "f");
  const after = before.replace("line 100\n", "LINE 100\n").replace("line 2900\n", "LINE 2900\n");
  const diff = (await apply(catalogOf([file(path, { content: after })]))).events[0].diff;
  t.equal(
    diff,
    [
      `--- ${path}`,
      `+++ ${path}`,
      "@@ -98,7 +98,7 @@",
      " line 97",
      " line 98",
      " line 99",
      "-line 100",
      "+LINE 100",
      " line 101",
      " line 102",
      " line 103",
      "@@ -2898,7 +2898,7 @@",
      " line 2897",
      " line 2898",
      " line 2899",
      "-line 2900",
      "+LINE 2900",
      " line 2901",
      " line 2902",
      " line 2903",
      "",
    ].join("\n"),
  );
});

t.test("a large diff is cut at a line and marked", async (t) => {
  const path = join(t.testdir({ f: lines(5000, "old") }), "f");
  const outcome = await apply(catalogOf([file(path, { content: lines(5000, "new") })]));
  const diff = outcome.events[0].diff;
  t.ok(Buffer.byteLength(diff) <= MAX_DIFF_BYTES, `${Buffer.byteLength(diff)} bytes`);
  t.match(diff, /^--- .*\n\+\+\+ .*\n@@ -1,5000 \+1,5000 @@\n-old 0\n/);
  t.match(diff, /\n\\ diff truncated: \d+ bytes in all, 65536 shown at most\n$/);
  t.match(diff.split("\n").at(-3), /^[-+](old|new) \d+$/, "the cut falls between lines");
  t.equal(await readFile(path, "utf8"), lines(5000, "new"), "the whole content is written");
});

t.test("no diff for a sensitive resource, binary content, or no old content", async (t) => {
  const root = t.testdir({ secret: "password=old\n", bin: Buffer.from([1, 0, 2]), text: "text\n" });
  const outcome = await apply(
    catalogOf([
      file(join(root, "secret"), { content: "password=new\n" }, { sensitive: true }),
      file(join(root, "bin"), { content: "now text\n" }),
      file(join(root, "text"), { content: "with a NUL \0 byte\n" }),
      file(join(root, "new"), { content: "created\n" }),
    ]),
  );
  t.same(
    outcome.events.map((e) => [e.property, e.diff]),
    [
      ["content", ""],
      ["content", ""],
      ["content", ""],
      ["ensure", ""],
    ],
  );
  t.notOk(JSON.stringify(outcome).includes("password="), "the sensitive content appears nowhere in the outcome");
});

t.test("no diff when a side is over the size limit", async (t) => {
  const path = join(t.testdir({}), "f");
  await writeFile(path, "x\n".repeat(600 * 1024));
  const outcome = await apply(catalogOf([file(path, { content: "small\n" })]));
  t.equal(outcome.events[0].property, "content");
  t.equal(outcome.events[0].diff, "");
});
