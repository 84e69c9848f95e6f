// The `file` resource type as this compiler understands it: which keys a
// declaration may have, what each must look like, and the catalog properties
// it turns into. `source` is only validated here; reading it needs the disk.
import path from "node:path";
import { isScalar, type Node, type YAMLMap } from "yaml";
import type { EdgeKind, JsonValue } from "../model.js";
import type { Strings } from "./interpolate.js";
import type { Field } from "./reader.js";

const KNOWN_KEYS = ["type", "title", "ensure", "content", "source", "mode", "owner", "group", "require", "notify"] as const;
/** Keys of the full site language that this compiler reports instead of ignoring. */
const NOT_YET_KEYS = ["template", "target", "before", "subscribe", "when", "for_each", "noop", "sensitive"] as const;
const ENSURES = ["file", "directory", "absent"] as const;
const MODE = /^[0-7]{3,4}$/;

export interface RelationDecl {
  kind: EdgeKind;
  /** `type:title` of the other resource. */
  ref: string;
  at: Node;
}

export interface FileDecl {
  /** Undefined when the title was wrong; the rest is still read, so its problems are reported too. */
  title: string | undefined;
  titleAt: Node;
  properties: { [key: string]: JsonValue };
  /** `files/...` relative to the module, to be read into `content_sha256`. */
  source?: { path: string; at: Node };
  relations: RelationDecl[];
}

export function readFileResource(strings: Strings, item: YAMLMap): FileDecl | undefined {
  const reader = strings.reader;
  const fields = reader.fields(item, KNOWN_KEYS, NOT_YET_KEYS);
  const titleField = fields.get("title");
  if (!titleField) {
    reader.report(item, "a resource needs a `title` (for files, the absolute path)");
    return undefined;
  }
  const title = readTitle(strings, titleField);
  const ensure = readEnsure(strings, fields.get("ensure"));
  const properties: { [key: string]: JsonValue } = { ensure: ensure ?? "file" };
  const decl: FileDecl = { title, titleAt: titleField.value ?? titleField.key, properties, relations: [] };
  readBody(strings, fields, ensure, decl);
  const mode = fields.get("mode");
  if (mode) setIfDefined(properties, "mode", readMode(strings, mode));
  for (const key of ["owner", "group"] as const) {
    const f = fields.get(key);
    if (f) setIfDefined(properties, key, readName(strings, f, key));
  }
  for (const kind of ["require", "notify"] as const) {
    const f = fields.get(kind);
    if (f) decl.relations.push(...readRelations(strings, f, kind));
  }
  return decl;
}

function readTitle(strings: Strings, f: Field): string | undefined {
  const title = strings.field(f, "`title`");
  if (title === undefined) return undefined;
  // Normalised paths only: otherwise /a/b and /a//b/ would be two resources for one file,
  // and a certname like "../x" interpolated into a title could climb out of its directory.
  if (!path.posix.isAbsolute(title) || path.posix.normalize(title) !== title || (title.length > 1 && title.endsWith("/"))) {
    strings.reader.report(f.value, `a file title must be a normalised absolute path, not ${JSON.stringify(title)}`);
    return undefined;
  }
  return title;
}

function readEnsure(strings: Strings, f: Field | undefined): string | undefined {
  if (!f) return undefined;
  const ensure = strings.field(f, "`ensure`");
  if (ensure === undefined) return undefined;
  if (ensure === "link") {
    strings.reader.report(f.value, "`ensure: link` is not supported yet by this compiler");
    return undefined;
  }
  if (!(ENSURES as readonly string[]).includes(ensure)) {
    strings.reader.report(f.value, `\`ensure\` must be one of ${ENSURES.join(", ")}, not ${JSON.stringify(ensure)}`);
    return undefined;
  }
  return ensure;
}

/** `content` or `source`, never both, and only for plain files. */
function readBody(strings: Strings, fields: Map<string, Field>, ensure: string | undefined, decl: FileDecl): void {
  const content = fields.get("content");
  const source = fields.get("source");
  for (const f of [content, source]) {
    if (f && ensure !== undefined && ensure !== "file") {
      strings.reader.report(f.key, `\`${String(f.key.value)}\` only applies to \`ensure: file\`, not \`ensure: ${ensure}\``);
    }
  }
  if (content && source) {
    strings.reader.report(source.key, "`content` and `source` exclude each other; keep one");
    return;
  }
  if (content) setIfDefined(decl.properties, "content", strings.field(content, "`content`"));
  if (source) {
    const p = strings.field(source, "`source`");
    if (p !== undefined) decl.source = { path: p, at: source.value ?? source.key };
  }
}

function readMode(strings: Strings, f: Field): string | undefined {
  // `mode: 0644` is the classic slip: YAML reads it as the number 644 (or 420 in YAML 1.1).
  if (isScalar(f.value) && typeof f.value.value === "number") {
    const written = f.value.source ?? String(f.value.value);
    strings.reader.report(f.value, `\`mode\` ${written} is read by YAML as a number; quote it: mode: "${written}"`);
    return undefined;
  }
  const mode = strings.field(f, "`mode`");
  if (mode === undefined) return undefined;
  if (!MODE.test(mode)) {
    strings.reader.report(f.value, `\`mode\` must be an octal string like "0644", not ${JSON.stringify(mode)}`);
    return undefined;
  }
  return mode;
}

function readName(strings: Strings, f: Field, key: string): string | undefined {
  const name = strings.field(f, `\`${key}\``);
  if (name === "") {
    strings.reader.report(f.value, `\`${key}\` must not be empty`);
    return undefined;
  }
  return name;
}

function readRelations(strings: Strings, f: Field, kind: EdgeKind): RelationDecl[] {
  const list = strings.reader.seq(f.value, `\`${kind}\``, f.key);
  if (!list) return [];
  const out: RelationDecl[] = [];
  for (const entry of list.items) {
    const node = strings.reader.resolve(entry);
    const ref = strings.value(node, `\`${kind}\` entries`, list);
    if (ref === undefined) continue;
    const colon = ref.indexOf(":");
    if (colon <= 0 || colon === ref.length - 1) {
      strings.reader.report(node, `\`${kind}\` entries must be "type:title", like file:/etc/motd, not ${JSON.stringify(ref)}`);
      continue;
    }
    out.push({ kind, ref, at: node ?? f.key });
  }
  return out;
}

function setIfDefined(target: { [key: string]: JsonValue }, key: string, value: string | undefined): void {
  if (value !== undefined) target[key] = value;
}
