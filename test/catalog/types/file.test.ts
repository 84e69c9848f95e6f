import t from "tap";
import { parseFileSpec } from "../../../agent/providers/file-spec.js";
import type { JsonValue } from "../../../catalog/model.js";
import { fileType } from "../../../catalog/types/file.js";
import { normalised, problems } from "./_helpers.js";

const DIGEST = "AB".repeat(32);

t.test("ensure defaults to file; mode is spelled with four digits; digests in lower case", async (t) => {
  t.same(normalised(t, fileType, "/etc/motd", { content: "hi\n", mode: "644", owner: "root", group: 0 }), {
    ensure: "file",
    content: "hi\n",
    mode: "0644",
    owner: "root",
    group: 0,
  });
  t.same(normalised(t, fileType, "/srv/big", { content_sha256: DIGEST }), { ensure: "file", content_sha256: "ab".repeat(32) });
});

t.test("directories, links and absent files", async (t) => {
  t.same(normalised(t, fileType, "/srv/d", { ensure: "directory", purge: true, mode: "0755" }), { ensure: "directory", purge: true, mode: "0755" });
  t.same(normalised(t, fileType, "/srv/l", { ensure: "link", target: "/srv//d/" }), { ensure: "link", target: "/srv/d" });
  t.same(normalised(t, fileType, "/srv/gone", { ensure: "absent" }), { ensure: "absent" });
});

t.test("the agent's file provider accepts what the schema normalises", async (t) => {
  const cases: { title: string; props: { [key: string]: JsonValue } }[] = [
    { title: "/etc/motd", props: { content: "hi\n", mode: "644", owner: 0, group: "adm" } },
    { title: "/srv/big", props: { content_sha256: DIGEST } },
    { title: "/srv/d", props: { ensure: "directory", mode: "2775" } },
    { title: "/srv/gone", props: { ensure: "absent" } },
  ];
  for (const { title, props } of cases) {
    const properties = normalised(t, fileType, title, props);
    t.doesNotThrow(() => parseFileSpec({ type: "file", title, properties }), title);
  }
  t.equal(parseFileSpec({ type: "file", title: "/m", properties: normalised(t, fileType, "/m", { mode: "640" }) }).mode, 0o640);
});

t.test("the title must be a normalised absolute path", async (t) => {
  t.same(problems(fileType, "etc/motd", {}), [': `title` must be an absolute path, not "etc/motd"']);
  t.same(problems(fileType, "/etc//motd/", {}), [': `title` must be a normalised absolute path, not "/etc//motd/"; write "/etc/motd"']);
});

t.test("a numeric mode is refused with a hint to quote it", async (t) => {
  t.same(problems(fileType, "/f", { mode: 644 }), ['mode: `mode` must be an octal string like "0644", not the number 644; quote it, e.g. "0644"']);
  t.same(problems(fileType, "/f", { mode: 999 }), ['mode: `mode` must be an octal string like "0644", not the number 999; quote it, e.g. "0644"']);
  t.same(problems(fileType, "/f", { mode: "0x644" }), ['mode: `mode` must be an octal string like "0644", not "0x644"']);
});

t.test("wrong values name the property, what was expected and what was given", async (t) => {
  t.same(problems(fileType, "/f", { ensure: "present", owner: "a:b", group: -1, content: 3, content_sha256: "abc", target: "rel", purge: "yes" }), [
    'ensure: `ensure` must be one of file, directory, link, absent, not "present"',
    'owner: `owner` must be a name or a numeric id, not "a:b"',
    "group: `group` must be a name or a numeric id, not the number -1",
    "content: `content` must be a string, not the number 3",
    'content_sha256: `content_sha256` must be 64 hex digits (a SHA-256), not "abc"',
    'target: `target` must be an absolute path, not "rel"',
    'purge: `purge` must be true or false, not "yes"',
  ]);
});

t.test("properties that belong to another ensure", async (t) => {
  t.same(problems(fileType, "/f", { content: "x", content_sha256: DIGEST }), ["content: give `content` or `content_sha256`, not both"]);
  t.same(problems(fileType, "/d", { ensure: "directory", content: "x" }), ["content: `content` only applies to `ensure: file`, not `ensure: directory`"]);
  t.same(problems(fileType, "/d", { ensure: "absent", content_sha256: DIGEST }), ["content_sha256: `content_sha256` only applies to `ensure: file`, not `ensure: absent`"]);
  t.same(problems(fileType, "/f", { target: "/x" }), ["target: `target` only applies to `ensure: link`, not `ensure: file`"]);
  t.same(problems(fileType, "/l", { ensure: "link" }), ["target: `ensure: link` needs `target`, the path the link points to"]);
  t.same(problems(fileType, "/f", { purge: false }), ["purge: `purge` only applies to `ensure: directory`, not `ensure: file`"]);
});

t.test("an unknown property is named, with a guess and the accepted list", async (t) => {
  t.same(problems(fileType, "/f", { contnet: "x" }), [
    "contnet: file has no property `contnet`; did you mean `content`? (it takes ensure, content, content_sha256, mode, owner, group, target, purge)",
  ]);
  t.same(problems(fileType, "/f", { colour: "red" }), ["colour: file has no property `colour` (it takes ensure, content, content_sha256, mode, owner, group, target, purge)"]);
});
