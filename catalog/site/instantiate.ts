// A module's resource declarations made concrete for one node: loops
// unrolled, conditions decided, strings interpolated, content resolved and
// addressed, and every resource validated by its type's schema.
import type { JsonValue, Resource } from "../model.js";
import type { Rendered } from "../template/liquid.js";
import { resourceType } from "../types/registry.js";
import { addressBytes, addressText, type Addressed } from "./content.js";
import type { Declared, Relation } from "./graph.js";
import type { Module } from "./module.js";
import { describeJson } from "./param-types.js";
import type { ResourceDecl } from "./resource-decl.js";
import { bind, type Scope } from "./scope.js";
import { childAt, evaluate, type Sink, type Value } from "./value.js";
import type { Where } from "./yaml-file.js";

type Json = { [key: string]: JsonValue };

export interface Instantiating {
  module: Module;
  contents: Map<string, Uint8Array>;
  report: Sink;
}

/** Per module and node: renders of templates that do not read `each` are the same for every item. */
interface Running extends Instantiating {
  rendered: Map<string, Rendered>;
}

export async function instantiate(module: Instantiating, scope: Scope): Promise<Declared[]> {
  const m: Running = { ...module, rendered: new Map() };
  const out: Declared[] = [];
  for (const decl of m.module.resources) {
    for (const itemScope of iterations(decl, scope, m.report)) {
      if (!condition(decl, itemScope, m.report)) continue;
      const d = await declare(m, decl, itemScope);
      if (d) out.push(d);
    }
  }
  return out;
}

/** One scope per `for_each` item (`each`; a map gives {key, value}), or the scope itself. */
function iterations(decl: ResourceDecl, scope: Scope, report: Sink): Scope[] {
  if (!decl.forEach) return [scope];
  const items = evaluate(decl.forEach, scope.cel, report);
  if (items === undefined) return [];
  if (Array.isArray(items)) return items.map((item) => bind(scope, "each", item));
  if (items !== null && typeof items === "object") return Object.entries(items).map(([key, value]) => bind(scope, "each", { key, value }));
  report(decl.forEach.where, `\`for_each\` must give a list or a map, not ${describeJson(items)}`);
  return [];
}

function condition(decl: ResourceDecl, scope: Scope, report: Sink): boolean {
  return decl.when ? boolOf(decl.when, "`when`", scope, report) === true : true;
}

function boolOf(value: Value, what: string, scope: Scope, report: Sink): boolean | undefined {
  const v = evaluate(value, scope.cel, report);
  if (v === undefined || typeof v === "boolean") return v;
  report(value.where, `${what} must give true or false, not ${describeJson(v)}`);
  return undefined;
}

async function declare(m: Running, decl: ResourceDecl, scope: Scope): Promise<Declared | undefined> {
  const { report } = m;
  const title = evaluate(decl.title.value, scope.cel, report);
  if (title !== undefined && typeof title !== "string") report(decl.title.value.where, `\`title\` must be a string, not ${describeJson(title)}`);
  const properties: Json = {};
  let ok = true;
  for (const p of decl.properties) {
    const v = evaluate(p.value, scope.cel, report);
    if (v === undefined) ok = false;
    else properties[p.key] = v;
  }
  const body = decl.body && (await resolveBody(m, decl, scope));
  if (body) Object.assign(properties, body);
  const relations = decl.relations.flatMap((r) => relationsOf(r.kind, r.value, scope, report));
  const noop = decl.noop && boolOf(decl.noop, "`noop`", scope, report);
  const sensitive = decl.sensitive && boolOf(decl.sensitive, "`sensitive`", scope, report);
  if (typeof title !== "string") return undefined;
  const declared: Declared = { ref: `${decl.type}:${title}`, where: decl.title.value.where, relations };
  if (!ok || (decl.body && !body)) return declared;
  const validated = resourceType(decl.type)!.validate(title, properties);
  for (const p of validated.problems) report(propertyWhere(decl, p.property), p.message);
  if (validated.problems.length > 0) return declared;
  const resource: Resource = { type: decl.type, title, properties: validated.properties };
  if (noop) resource.noop = true;
  if (sensitive) resource.sensitive = true;
  return { ...declared, resource };
}

async function resolveBody(m: Running, decl: ResourceDecl, scope: Scope): Promise<Addressed | undefined> {
  const body = decl.body!;
  const v = evaluate(body.value, scope.cel, m.report);
  if (v === undefined) return undefined;
  if (typeof v !== "string") {
    m.report(body.value.where, `\`${body.kind}\` must be a string, not ${describeJson(v)}`);
    return undefined;
  }
  if (body.kind === "content") return addressText(v, m.contents);
  if (body.kind === "template") {
    const rendered = render(m, v, scope);
    if (rendered.ok) return addressText(rendered.text, m.contents);
    m.report(body.keyWhere, rendered.message);
    return undefined;
  }
  const read = await m.module.source(v);
  if (read.ok) return addressBytes(read.bytes, m.contents, decl.type !== "image");
  m.report(body.value.where, read.message);
  return undefined;
}

function render(m: Running, name: string, scope: Scope): Rendered {
  const { templates } = m.module;
  if (templates.variables(name)?.has("each") !== false) return templates.render(name, scope.json);
  let hit = m.rendered.get(name);
  if (!hit) m.rendered.set(name, (hit = templates.render(name, scope.json)));
  return hit;
}

/** A `type:title` string or a list of them. */
function relationsOf(kind: Relation["kind"], value: Value, scope: Scope, report: Sink): Relation[] {
  const v = evaluate(value, scope.cel, report);
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
  if (decl.body && (top === "content" || top === "content_sha256")) return decl.body.keyWhere;
  return decl.title.keyWhere;
}
