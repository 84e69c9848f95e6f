// A module's resource declarations made concrete for one node: loops
// unrolled, conditions decided, strings interpolated, content resolved and
// addressed, and every resource validated by its type's schema.
import type { JsonValue, Resource } from "../model.js";
import type { Rendered } from "../template/liquid.js";
import { resourceType } from "../types/registry.js";
import { resolveArtifact, type ArtifactLookup } from "./artifact.js";
import { holdsMarker } from "../secrets/markers.js";
import { bindSecrets, type SecretBinding } from "./bind-secrets.js";
import { addressBytes, addressText, type Addressed } from "./content.js";
import type { Declared, Relation } from "./graph.js";
import type { Module } from "./module.js";
import { describeJson } from "./param-types.js";
import type { ResourceDecl } from "./resource-decl.js";
import { bind, type Scope } from "./scope.js";
import { templateMayReadUnknown, valueMayReadUnknown, type UnknownParams } from "./unknown.js";
import { childAt, evaluate, type Evaluation, type Sink, type Value } from "./value.js";
import type { Where } from "./yaml-file.js";

type Json = { [key: string]: JsonValue };

export interface Instantiating {
  module: Module;
  contents: Map<string, Uint8Array>;
  report: Sink;
  /** Receives what a resource type finds valid but likely a mistake. */
  warn: Sink;
  /** The module's parameters that are missing or wrong: what reads them is not evaluated. */
  unknown: UnknownParams;
  /** Filled in here: types of which a resource may be missing because its title, `when` or `for_each` reads an unknown parameter. */
  uncertain: Set<string>;
  /** The server's artifact store; none where there is no server (masterless). */
  artifacts?: ArtifactLookup;
  /** The secrets this node may use, and the ones its resources bound. */
  secrets: SecretBinding;
}

/** Per module and node: renders of templates that do not read `each` are the same for every item. */
interface Running extends Instantiating {
  rendered: Map<string, Rendered>;
}

/**
 * Evaluates one declaration's values for one of its scopes. Within a
 * `for_each` the scopes differ only in `each`, so an expression that does not
 * read `each` (a `when` on facts, `${node.name}` in a title) is evaluated for
 * the first item and reused for the others, problems included (each problem
 * is reported once per node anyway).
 */
export type Evaluator = (value: Value, scope: Scope) => JsonValue | undefined;

/** What a declaration's loop and condition need: a resource's or a probe's. */
type Looped = Pick<ResourceDecl, "when" | "forEach">;
type Reporting = Pick<Instantiating, "report" | "unknown">;

export function evaluator(m: Reporting, decl: Looped): Evaluator {
  const options: Evaluation = { shared: decl.forEach ? { varying: "each", results: new Map() } : undefined, unknown: m.unknown };
  return (value, scope) => evaluate(value, scope.cel, m.report, options);
}

export async function instantiate(module: Instantiating, scope: Scope): Promise<Declared[]> {
  const m: Running = { ...module, rendered: new Map() };
  const out: Declared[] = [];
  for (const decl of m.module.resources) {
    if ([decl.title.value, decl.when, decl.forEach].some((v) => v && valueMayReadUnknown(v, m.unknown))) m.uncertain.add(decl.type);
    const value = evaluator(m, decl);
    for (const itemScope of iterations(decl, scope, m)) {
      if (!condition(decl, itemScope, value, m.report)) continue;
      // Only a `source:` body reads from disk; everything else stays synchronous.
      const pending = declare(m, decl, itemScope, value);
      const d = pending instanceof Promise ? await pending : pending;
      if (d) out.push(d);
    }
  }
  return out;
}

/** One scope per `for_each` item (`each`; a map gives {key, value}), or the scope itself. */
export function iterations(decl: Looped, scope: Scope, { report, unknown }: Reporting): Scope[] {
  if (!decl.forEach) return [scope];
  const items = evaluate(decl.forEach, scope.cel, report, { unknown });
  if (items === undefined) return [];
  if (Array.isArray(items)) return items.map((item) => bind(scope, "each", item));
  if (items !== null && typeof items === "object") return Object.entries(items).map(([key, value]) => bind(scope, "each", { key, value }));
  report(decl.forEach.where, `\`for_each\` must give a list or a map, not ${describeJson(items)}`);
  return [];
}

export function condition(decl: Looped, scope: Scope, value: Evaluator, report: Sink): boolean {
  return decl.when ? boolOf(decl.when, "`when`", scope, value, report) === true : true;
}

function boolOf(v: Value, what: string, scope: Scope, value: Evaluator, report: Sink): boolean | undefined {
  const b = value(v, scope);
  if (b === undefined || typeof b === "boolean") return b;
  report(v.where, `${what} must give true or false, not ${describeJson(b)}`);
  return undefined;
}

type Maybe<T> = T | Promise<T>;

function declare(m: Running, decl: ResourceDecl, scope: Scope, value: Evaluator): Maybe<Declared | undefined> {
  const { report } = m;
  const title = value(decl.title.value, scope);
  if (title !== undefined && typeof title !== "string") report(decl.title.value.where, `\`title\` must be a string, not ${describeJson(title)}`);
  const properties: Json = {};
  let ok = true;
  for (const p of decl.properties) {
    const v = value(p.value, scope);
    if (v === undefined) ok = false;
    else properties[p.key] = v;
  }
  if (!decl.body) return finish(m, decl, scope, value, title, properties, ok, undefined);
  const body = resolveBody(m, decl, scope, value);
  if (body instanceof Promise) return body.then((b) => finish(m, decl, scope, value, title, properties, ok, b));
  return finish(m, decl, scope, value, title, properties, ok, body);
}

function finish(m: Running, decl: ResourceDecl, scope: Scope, value: Evaluator, title: JsonValue | undefined, properties: Json, ok: boolean, body: Addressed | undefined): Declared | undefined {
  const { report } = m;
  if (body) Object.assign(properties, body);
  const relations: Relation[] = [];
  for (const r of decl.relations) relations.push(...relationsOf(r.kind, r.value, scope, value, report));
  const noop = decl.noop && boolOf(decl.noop, "`noop`", scope, value, report);
  const sensitive = decl.sensitive && boolOf(decl.sensitive, "`sensitive`", scope, value, report);
  if (typeof title !== "string") return undefined;
  if (holdsMarker(title)) {
    report(decl.title.value.where, "a secret cannot be part of a title: titles are shown in reports and logs");
    return undefined;
  }
  const declared: Declared = { ref: `${decl.type}:${title}`, where: decl.title.value.where, relations };
  if (!ok || (decl.body && !body)) return declared;
  const validated = resourceType(decl.type)!.validate(title, properties);
  for (const p of validated.problems) report(propertyWhere(decl, p.property), p.message);
  if (validated.problems.length > 0) return declared;
  for (const w of validated.warnings ?? []) m.warn(propertyWhere(decl, w.property), `${declared.ref}: ${w.message}`);
  const bound = bindSecrets(m.secrets, decl, declared.ref, validated.properties, report, m.warn);
  if (!bound.ok) return declared;
  const resource: Resource = { type: decl.type, title, properties: bound.properties };
  if (noop) resource.noop = true;
  if (sensitive || bound.sensitive) resource.sensitive = true;
  if (bound.blocked) resource.blocked = bound.blocked;
  declared.resource = resource;
  return declared;
}

function resolveBody(m: Running, decl: ResourceDecl, scope: Scope, value: Evaluator): Maybe<Addressed | undefined> {
  const body = decl.body!;
  const v = value(body.value, scope);
  if (v === undefined) return undefined;
  if (typeof v !== "string") {
    m.report(body.value.where, `\`${body.kind}\` must be a string, not ${describeJson(v)}`);
    return undefined;
  }
  if (body.kind === "content") return addressText(v, m.contents);
  if (body.kind === "artifact") {
    return resolveArtifact(v, m.artifacts).then((resolved) => {
      if (resolved.ok) return resolved.addressed;
      m.report(body.value.where, resolved.message);
      return undefined;
    });
  }
  if (body.kind === "template") {
    const rendered = render(m, v, scope);
    if (!rendered) return undefined;
    if (rendered.ok) return addressText(rendered.text, m.contents);
    m.report(body.keyWhere, rendered.message);
    return undefined;
  }
  return m.module.source(v).then((read) => {
    if (read.ok) return addressBytes(read.bytes, m.contents, decl.type !== "image");
    m.report(body.value.where, read.message);
    return undefined;
  });
}

function render(m: Running, name: string, scope: Scope): Rendered | undefined {
  const { templates } = m.module;
  if (templateMayReadUnknown(templates.variables(name), m.unknown)) return undefined;
  if (templates.variables(name)?.has("each") !== false) return templates.render(name, scope.json);
  let hit = m.rendered.get(name);
  if (!hit) m.rendered.set(name, (hit = templates.render(name, scope.json)));
  return hit;
}

/** A `type:title` string or a list of them. */
function relationsOf(kind: Relation["kind"], value: Value, scope: Scope, evaluated: Evaluator, report: Sink): Relation[] {
  const v = evaluated(value, scope);
  if (v === undefined) return [];
  const items = Array.isArray(v) ? v : [v];
  const out: Relation[] = [];
  items.forEach((ref, i) => {
    const where = childAt(value, i)?.where ?? value.where;
    const colon = typeof ref === "string" ? ref.indexOf(":") : -1;
    if (typeof ref !== "string" || colon <= 0 || colon === ref.length - 1) {
      report(where, `\`${kind}\` entries must be "type:title", like package:nginx, not ${typeof ref === "string" ? JSON.stringify(ref) : describeJson(ref)}`);
    } else out.push({ kind, ref, where });
  });
  return out;
}

/** Where a schema problem belongs: the property's key, content's source key, or the title for the resource as a whole. */
function propertyWhere(decl: ResourceDecl, property: string): Where {
  const top = property.split(/[.[]/)[0];
  if (top === "") return decl.title.value.where;
  const entry = decl.properties.find((p) => p.key === top);
  if (entry) return entry.keyWhere;
  if (decl.body && (top === "content" || top === "content_sha256" || top === "artifact")) return decl.body.keyWhere;
  return decl.title.keyWhere;
}
