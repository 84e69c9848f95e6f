// `file`: a plain file, a directory, a symlink, or nothing at that path.
// The compiler has already turned `template:`/`source:` into `content`
// (inline) or `content_sha256` (fetched by digest), so only those appear here.
// Booleans that default to false (purge) stay absent when not given: absent
// means false, and the agent's file provider refuses properties it does not
// know, so a catalog without links or purges stays readable by it.
import { absolutePath, accountRef, bool, octalMode, oneOf, normalisedPath, sha256, string, type JsonMap } from "./checks.js";
import { defineType, type Rule } from "./define.js";
import type { PropertyProblem, ResourceTypeSchema } from "./schema.js";

/** `property` may be given only with one `ensure`. */
function onlyFor(property: string, ensure: string): Rule {
  return (p: JsonMap): PropertyProblem[] =>
    p[property] === undefined || p.ensure === ensure ? [] : [{ property, message: `\`${property}\` only applies to \`ensure: ${ensure}\`, not \`ensure: ${String(p.ensure)}\`` }];
}

const contentOnce: Rule = (p) => (p.content !== undefined && p.content_sha256 !== undefined ? [{ property: "content", message: "give `content` or `content_sha256`, not both" }] : []);

const linkNeedsTarget: Rule = (p) => (p.ensure === "link" && p.target === undefined ? [{ property: "target", message: "`ensure: link` needs `target`, the path the link points to" }] : []);

// A symlink has no permission bits of its own on Linux, so a mode on a link could never be in sync.
const noModeOnLink: Rule = (p) => (p.ensure === "link" && p.mode !== undefined ? [{ property: "mode", message: "`mode` does not apply to `ensure: link` (a symlink has no mode of its own)" }] : []);

export const fileType: ResourceTypeSchema = defineType({
  name: "file",
  title: normalisedPath,
  properties: {
    ensure: { check: oneOf(["file", "directory", "link", "absent"]), default: "file" },
    content: { check: string },
    content_sha256: { check: sha256 },
    mode: { check: octalMode },
    owner: { check: accountRef },
    group: { check: accountRef },
    target: { check: absolutePath },
    purge: { check: bool },
  },
  rules: [contentOnce, onlyFor("content", "file"), onlyFor("content_sha256", "file"), onlyFor("target", "link"), linkNeedsTarget, noModeOnLink, onlyFor("purge", "directory")],
});
