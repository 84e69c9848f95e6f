// What changes between two catalogs of one node: the review an operator reads
// before merging a site change (Puppet users reach for octocatalog-diff).
// Resources are matched by `type:title`; declaration order is not compared,
// since relationships, not order, are what a reviewer must check.
//
// Content is compared by digest whether it travels inline (`content`) or by
// digest (`content_sha256`), so moving a file across the inline threshold is
// not a change; inline text gets a unified diff. Sensitive resources never show
// a value, not even a digest (a digest of a short secret can be guessed).
import { canonicalJson, sha256Hex } from "./canonical.js";
import { unifiedDiff } from "./diff/lines.js";
import { resourceRef, type CatalogBody, type Edge, type JsonValue, type Resource } from "./model.js";

export const REDACTED = "[redacted]";

type Properties = { [key: string]: JsonValue };

/** A resource as shown: content as `sha256:<hex>`, flags as properties, sensitive values redacted. */
export interface ResourceEntry {
  ref: string;
  type: string;
  title: string;
  properties: Properties;
}

export interface PropertyChange {
  property: string;
  /** Absent when the property was not set on that side. */
  before?: JsonValue;
  after?: JsonValue;
  /** Unified diff hunks of inline text content, when both sides had text. */
  diff?: string;
}

export interface ResourceChange {
  ref: string;
  type: string;
  title: string;
  changes: PropertyChange[];
}

/** The JSON shape of `ancla catalog diff --json`, per node. */
export interface CatalogDiff {
  added: ResourceEntry[];
  removed: ResourceEntry[];
  changed: ResourceChange[];
  edges: { added: Edge[]; removed: Edge[] };
}

/** Compares two catalogs of one node; an undefined side is an empty catalog (the node got nothing). */
export function diffCatalogs(from: CatalogBody | undefined, to: CatalogBody | undefined): CatalogDiff {
  const before = byRef(from?.resources ?? []);
  const after = byRef(to?.resources ?? []);
  const diff: CatalogDiff = { added: [], removed: [], changed: [], edges: diffEdges(from?.edges ?? [], to?.edges ?? []) };
  for (const [ref, r] of after) if (!before.has(ref)) diff.added.push(entry(r));
  for (const [ref, r] of before) {
    const other = after.get(ref);
    if (!other) diff.removed.push(entry(r));
    else {
      const changes = diffResource(r, other);
      if (changes.length > 0) diff.changed.push({ ref, type: r.type, title: r.title, changes });
    }
  }
  return diff;
}

export function isEmptyDiff(d: CatalogDiff): boolean {
  return d.added.length + d.removed.length + d.changed.length + d.edges.added.length + d.edges.removed.length === 0;
}

function byRef(resources: Resource[]): Map<string, Resource> {
  return new Map(resources.map((r) => [resourceRef(r), r]));
}

/** A property as compared: its shown value, plus the text when it is inline content. */
interface Compared {
  value: JsonValue;
  text?: string;
}

/** The comparable view of a resource: content by digest under `content`, flags beside the properties. */
function comparable(r: Resource): Map<string, Compared> {
  const view = new Map<string, Compared>();
  for (const [key, value] of Object.entries(r.properties)) {
    if (key === "content" && typeof value === "string") view.set("content", { value: `sha256:${sha256Hex(value)}`, text: value });
    else if (key === "content_sha256" && typeof value === "string") view.set("content", { value: `sha256:${value}` });
    else view.set(key, { value });
  }
  if (r.noop) view.set("noop", { value: true });
  if (r.sensitive) view.set("sensitive", { value: true });
  return view;
}

/** The flags stay readable on a sensitive resource: they are not values of the host. */
const redact = (key: string, value: JsonValue): JsonValue => (key === "noop" || key === "sensitive" ? value : REDACTED);

/** Properties as a person may see them: content as a digest, a sensitive resource's values redacted. */
export function shownProperties(r: Resource): Properties {
  const shown: Properties = {};
  for (const [key, { value }] of comparable(r)) shown[key] = r.sensitive ? redact(key, value) : value;
  return shown;
}

function entry(r: Resource): ResourceEntry {
  return { ref: resourceRef(r), type: r.type, title: r.title, properties: shownProperties(r) };
}

function diffResource(from: Resource, to: Resource): PropertyChange[] {
  const before = comparable(from);
  const after = comparable(to);
  const secret = Boolean(from.sensitive || to.sensitive);
  const keys = [...new Set([...before.keys(), ...after.keys()])].sort();
  const changes: PropertyChange[] = [];
  for (const key of keys) {
    const b = before.get(key);
    const a = after.get(key);
    if (b && a && canonicalJson(b.value) === canonicalJson(a.value)) continue;
    const change: PropertyChange = { property: key };
    if (b) change.before = secret ? redact(key, b.value) : b.value;
    if (a) change.after = secret ? redact(key, a.value) : a.value;
    if (!secret && b?.text !== undefined && a?.text !== undefined) change.diff = unifiedDiff(b.text, a.text);
    changes.push(change);
  }
  return changes;
}

const edgeKey = (e: Edge): string => `${e.kind} ${e.from} ${e.to}`;

function diffEdges(from: Edge[], to: Edge[]): CatalogDiff["edges"] {
  const before = new Set(from.map(edgeKey));
  const after = new Set(to.map(edgeKey));
  return { added: to.filter((e) => !before.has(edgeKey(e))), removed: from.filter((e) => !after.has(edgeKey(e))) };
}

// ---- for people ----

const MAX_SHOWN = 72;

/** A value on one line: plain words bare, anything else as JSON, digests shortened, long values cut. */
export function showValue(value: JsonValue | undefined): string {
  if (value === undefined) return "(unset)";
  if (value === REDACTED) return value;
  if (typeof value === "string" && /^sha256:[0-9a-f]{64}$/.test(value)) return `${value.slice(0, 19)}…`;
  const text = typeof value === "string" && /^[\w./:@+,=-]+$/.test(value) ? value : JSON.stringify(value);
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 1)}…` : text;
}

/** `key=value key=value`, for one-line summaries of a resource; `ensure` first, as people read it first. */
export function showProperties(properties: Properties): string {
  return Object.entries(properties)
    .sort(([a], [b]) => Number(b === "ensure") - Number(a === "ensure"))
    .map(([k, v]) => `${k}=${showValue(v)}`)
    .join(" ");
}

export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

/** "2 added, 1 changed, 1 edge removed", or "no differences". */
export function summarizeDiff(d: CatalogDiff): string {
  const parts = [
    d.added.length && `${d.added.length} added`,
    d.removed.length && `${d.removed.length} removed`,
    d.changed.length && `${d.changed.length} changed`,
    d.edges.added.length && `${plural(d.edges.added.length, "edge")} added`,
    d.edges.removed.length && `${plural(d.edges.removed.length, "edge")} removed`,
  ].filter((p): p is string => typeof p === "string");
  return parts.length === 0 ? "no differences" : parts.join(", ");
}

/** The differences, one resource or edge per line (`+` added, `-` removed, `~` changed), indented by `indent`. */
export function formatCatalogDiff(d: CatalogDiff, indent = ""): string {
  const lines: string[] = [];
  for (const r of d.added) lines.push(`+ ${r.ref}  ${showProperties(r.properties)}`.trimEnd());
  for (const r of d.removed) lines.push(`- ${r.ref}`);
  for (const r of d.changed) {
    lines.push(`~ ${r.ref}`);
    for (const c of r.changes) lines.push(...formatChange(c));
  }
  for (const e of d.edges.added) lines.push(`+ edge ${showEdge(e)}`);
  for (const e of d.edges.removed) lines.push(`- edge ${showEdge(e)}`);
  return lines.map((l) => `${indent}${l}\n`).join("");
}

function formatChange(c: PropertyChange): string[] {
  const lines = [`    ${c.property}: ${showValue(c.before)} → ${showValue(c.after)}`];
  if (c.diff)
    lines.push(
      ...c.diff
        .trimEnd()
        .split("\n")
        .map((l) => `      ${l}`),
    );
  return lines;
}

export function showEdge(e: Edge): string {
  return `${e.from} → ${e.to} (${e.kind})`;
}
