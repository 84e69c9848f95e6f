// The file resource's catalog properties, validated into a typed spec. The
// compiler produces exactly these; anything else is refused rather than
// silently ignored, so an agent older than the site fails loudly.
import { isAbsolute, posix } from "node:path";
import { sha256Hex } from "../../catalog/canonical.js";
import type { JsonValue, Resource } from "../../catalog/model.js";
import { ResourceFailure } from "./provider.js";

export type FileEnsure = "file" | "directory" | "link" | "absent";

export interface FileSpec {
  path: string;
  ensure: FileEnsure;
  /** Managed content: its digest, and the bytes when inline (otherwise fetched by digest). */
  content?: { sha256: string; inline?: Uint8Array };
  mode?: number;
  owner?: string | number;
  group?: string | number;
  /** ensure "link": the absolute path the link points to. */
  target?: string;
  /** ensure "directory": remove what the catalog does not manage beneath it. */
  purge: boolean;
}

const KNOWN = new Set(["ensure", "content", "content_sha256", "mode", "owner", "group", "target", "purge"]);
const ENSURES: readonly FileEnsure[] = ["file", "directory", "link", "absent"];

export function parseFileSpec(resource: Resource): FileSpec {
  const props = resource.properties;
  for (const key of Object.keys(props)) {
    if (!KNOWN.has(key)) throw new ResourceFailure(key, `file does not support the property "${key}"`);
  }
  const spec: FileSpec = { path: parsePath(resource.title), ensure: parseEnsure(props.ensure), purge: parsePurge(props.purge) };
  spec.content = parseContent(props.content, props.content_sha256);
  onlyFor(spec, "content", spec.content !== undefined, "file");
  onlyFor(spec, "purge", spec.purge, "directory");
  if (props.target !== undefined) spec.target = parseTarget(props.target);
  onlyFor(spec, "target", spec.target !== undefined, "link");
  if (spec.ensure === "link" && spec.target === undefined) throw new ResourceFailure("target", 'ensure "link" needs target, the path the link points to');
  // A symlink has no permission bits of its own on Linux: a mode would never be in sync.
  if (props.mode !== undefined && spec.ensure === "link") throw new ResourceFailure("mode", 'mode does not apply to ensure "link" (a symlink has no mode of its own)');
  if (props.mode !== undefined) spec.mode = parseMode(props.mode);
  if (props.owner !== undefined) spec.owner = parseAccount("owner", props.owner);
  if (props.group !== undefined) spec.group = parseAccount("group", props.group);
  return spec;
}

export function formatMode(mode: number): string {
  return mode.toString(8).padStart(4, "0");
}

function parsePath(title: string): string {
  if (!isAbsolute(title)) throw new ResourceFailure("", `file title must be an absolute path, not ${JSON.stringify(title)}`);
  // One spelling per path, so parent lookups (autorequire) and reports are unambiguous.
  const normal = normalise(title);
  if (normal !== title) throw new ResourceFailure("", `file title ${JSON.stringify(title)} is not a normalised path; write ${JSON.stringify(normal)}`);
  return title;
}

function parseEnsure(value: JsonValue | undefined): FileEnsure {
  if (value === undefined) return "file";
  if (typeof value === "string" && (ENSURES as readonly string[]).includes(value)) return value as FileEnsure;
  throw new ResourceFailure("ensure", `ensure must be one of ${ENSURES.join(", ")}; got ${JSON.stringify(value)}`);
}

function onlyFor(spec: FileSpec, property: string, given: boolean, ensure: FileEnsure): void {
  if (given && spec.ensure !== ensure) throw new ResourceFailure(property, `${property} only applies to ensure "${ensure}", not "${spec.ensure}"`);
}

function parsePurge(value: JsonValue | undefined): boolean {
  if (value === undefined || typeof value === "boolean") return value === true;
  throw new ResourceFailure("purge", `purge must be true or false; got ${JSON.stringify(value)}`);
}

function parseTarget(value: JsonValue): string {
  if (typeof value !== "string" || !isAbsolute(value)) throw new ResourceFailure("target", `target must be an absolute path; got ${JSON.stringify(value)}`);
  return normalise(value);
}

/** posix.normalize without a trailing slash: the spelling the compiler writes. */
function normalise(path: string): string {
  return posix.normalize(path).replace(/(.)\/+$/, "$1");
}

function parseContent(content: JsonValue | undefined, digest: JsonValue | undefined): FileSpec["content"] {
  if (content !== undefined && digest !== undefined) throw new ResourceFailure("content", "give content or content_sha256, not both");
  if (content !== undefined) {
    if (typeof content !== "string") throw new ResourceFailure("content", "content must be a string");
    const inline = new TextEncoder().encode(content);
    return { sha256: sha256Hex(inline), inline };
  }
  if (digest !== undefined) {
    if (typeof digest !== "string" || !/^[0-9a-fA-F]{64}$/.test(digest)) {
      throw new ResourceFailure("content", `content_sha256 must be 64 hex digits; got ${JSON.stringify(digest)}`);
    }
    return { sha256: digest.toLowerCase() };
  }
  return undefined;
}

function parseMode(value: JsonValue): number {
  // A string, because a bare number (644 vs 0644 vs 420) is ambiguous.
  if (typeof value !== "string" || !/^[0-7]{3,4}$/.test(value)) {
    throw new ResourceFailure("mode", `mode must be an octal string such as "0644"; got ${JSON.stringify(value)}`);
  }
  return Number.parseInt(value, 8);
}

function parseAccount(property: "owner" | "group", value: JsonValue): string | number {
  if (typeof value === "number" && Number.isInteger(value) && value >= 0) return value;
  if (typeof value === "string" && value !== "" && !value.includes(":")) return value;
  throw new ResourceFailure(property, `${property} must be a name or a numeric id; got ${JSON.stringify(value)}`);
}
