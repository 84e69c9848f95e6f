// One entry of a module's `resources:` list, compiled once per site version:
// the keys the language itself reads (meta keys) apart from the properties
// the resource type validates.
import { isScalar, type YAMLMap } from "yaml";
import { resourceType, RESOURCE_TYPES } from "../types/registry.js";
import type { Field } from "./reader.js";
import { compileCel, compileValue, type Compiling, type MapEntry, type Value } from "./value.js";
import { whereOf, type Where } from "./yaml-file.js";

export const RELATION_KINDS = ["require", "before", "notify", "subscribe"] as const;
export type RelationKind = (typeof RELATION_KINDS)[number];
/** Where a resource's content comes from; `artifact` is an image in the server's artifact store. */
export const BODY_KINDS = ["template", "source", "content", "artifact"] as const;
export type BodyKind = (typeof BODY_KINDS)[number];

const META_KEYS: readonly string[] = ["type", "title", "when", "for_each", ...RELATION_KINDS, "noop", "sensitive", ...BODY_KINDS];

export interface Keyed {
  value: Value;
  keyWhere: Where;
}

export interface ResourceDecl {
  type: string;
  title: Keyed;
  when?: Value;
  forEach?: Value;
  relations: (Keyed & { kind: RelationKind })[];
  noop?: Value;
  sensitive?: Value;
  /** Where the resource's content comes from: at most one of template, source, content, artifact. */
  body?: Keyed & { kind: BodyKind };
  properties: MapEntry[];
}

export function readResource(c: Compiling, item: YAMLMap): ResourceDecl | undefined {
  const { reader } = c;
  const split = splitMeta(c, item, META_KEYS);
  const { meta, properties } = split;
  let ok = split.ok;
  const type = readType(c, meta.get("type"), item);
  const titleField = meta.get("title");
  if (!titleField) reader.report(item, "a resource needs a `title`");
  const title = titleField && keyed(c, titleField);
  const decl: Partial<ResourceDecl> = { relations: [], properties };
  ok = readMeta(c, meta, decl) && ok;
  if (!ok || !type || !title) return undefined;
  return { ...decl, type, title } as ResourceDecl;
}

/**
 * A declaration's keys that the language reads (`metaKeys`) apart from the
 * properties, each property compiled; ok is false when a key or a property
 * cannot be used (reported).
 */
export function splitMeta(c: Compiling, item: YAMLMap, metaKeys: readonly string[]): { meta: Map<string, Field>; properties: MapEntry[]; ok: boolean } {
  const { reader } = c;
  const meta = new Map<string, Field>();
  const properties: MapEntry[] = [];
  let ok = true;
  for (const pair of item.items) {
    const key = reader.resolve(pair.key);
    if (!isScalar(key) || typeof key.value !== "string") {
      reader.report(key ?? item, "keys must be strings");
      ok = false;
      continue;
    }
    const field: Field = { key, value: reader.resolve(pair.value) };
    if (metaKeys.includes(key.value)) meta.set(key.value, field);
    else {
      const value = compileValue(c, field.value, key);
      if (value) properties.push({ key: key.value, keyWhere: whereOf(reader.file, key), value });
      else ok = false;
    }
  }
  return { meta, properties, ok };
}

function readType(c: Compiling, f: Field | undefined, item: YAMLMap): string | undefined {
  if (!f) {
    c.reader.report(item, `a resource needs a \`type\` (one of ${RESOURCE_TYPES.join(", ")})`);
    return undefined;
  }
  const type = c.reader.string(f.value, "`type`", f.key);
  if (type === undefined) return undefined;
  if (!resourceType(type)) {
    c.reader.report(f.value, `unknown resource type ${JSON.stringify(type)} (known: ${RESOURCE_TYPES.join(", ")})`);
    return undefined;
  }
  return type;
}

/** The meta keys other than type and title; false when one of them cannot be used. */
function readMeta(c: Compiling, meta: Map<string, Field>, decl: Partial<ResourceDecl>): boolean {
  let ok = true;
  const cel = (name: string): Value | undefined => {
    const f = meta.get(name);
    if (!f) return undefined;
    const v = compileCel(c, f.value, f.key);
    if (!v) ok = false;
    return v;
  };
  decl.when = cel("when");
  decl.forEach = cel("for_each");
  for (const kind of RELATION_KINDS) {
    const f = meta.get(kind);
    const k = f && keyed(c, f);
    if (k) decl.relations!.push({ ...k, kind });
    else if (f) ok = false;
  }
  for (const flag of ["noop", "sensitive"] as const) {
    const f = meta.get(flag);
    const k = f && keyed(c, f);
    if (k) decl[flag] = k.value;
    else if (f) ok = false;
  }
  // In the order written, so the one reported is the second the reader sees.
  const bodies = [...meta.keys()].filter((k): k is BodyKind => (BODY_KINDS as readonly string[]).includes(k));
  for (const extra of bodies.slice(1)) {
    c.reader.report(meta.get(extra)!.key, `\`${bodies[0]}\` and \`${extra}\` exclude each other; keep one`);
    ok = false;
  }
  if (bodies.length > 0) {
    const k = keyed(c, meta.get(bodies[0])!);
    if (k) decl.body = { ...k, kind: bodies[0] };
    else ok = false;
  }
  return ok;
}

export function keyed(c: Compiling, f: Field): Keyed | undefined {
  const value = compileValue(c, f.value, f.key);
  return value && { value, keyWhere: whereOf(c.reader.file, f.key) };
}
