// Values of the site's YAML, compiled once per site version into a tree that
// a node's compile only evaluates: CEL programs are planned here, constant
// subtrees keep their JSON ready, and every node keeps its position so that
// a problem found while evaluating (or type-checking) points at its source.
import { isMap, isScalar, isSeq, type Node, type Scalar } from "yaml";
import type { Bindings, CelCache, Program } from "../expr/cel.js";
import { markConstant, stringify } from "../expr/convert.js";
import { splitInterpolation } from "../expr/interpolation.js";
import type { JsonValue } from "../model.js";
import { describe, type Reader } from "./reader.js";
import { mayReadUnknown, type UnknownParams } from "./unknown.js";
import { whereOf, type Located, type Where } from "./yaml-file.js";

export interface Expression {
  program: Program;
  /** How problems quote it: `${facts.x}` inside a string, or the bare CEL of `when:`. */
  label: string;
  where: Where;
}

export interface MapEntry {
  key: string;
  keyWhere: Where;
  value: Value;
}

export type Value =
  | { kind: "constant"; value: JsonValue; where: Where; items?: Value[]; entries?: MapEntry[] }
  | { kind: "text"; pieces: (string | Expression)[]; where: Where }
  | { kind: "expr"; expr: Expression; where: Where }
  | { kind: "list"; items: Value[]; where: Where }
  | { kind: "map"; entries: MapEntry[]; where: Where };

/** Where values are compiled: the file being read (for positions and problems) and the site's CEL cache. */
export interface Compiling {
  reader: Reader;
  cel: CelCache;
}

/** A YAML value, with `${...}` in every string; undefined after reporting why it cannot be used. */
export function compileValue(c: Compiling, node: Node | null, at: Located): Value | undefined {
  const where = whereOf(c.reader.file, node ?? at);
  if (node === null) return { kind: "constant", value: null, where };
  if (isScalar(node)) return compileScalar(c, node, where);
  if (isSeq(node)) {
    const items = node.items.map((item) => compileValue(c, c.reader.resolve(item), node));
    if (!items.every((i): i is Value => i !== undefined)) return undefined;
    return items.every(isConstant) ? { kind: "constant", value: constant(items.map((i) => i.value)), where, items } : { kind: "list", items, where };
  }
  if (isMap(node)) return compileMap(c, node.items, where);
  c.reader.report(node, `${describe(node)} is not a value the site language reads`);
  return undefined;
}

/** A value that is CEL as a whole (`when:`, `for_each:`): a string is the expression, any other YAML value stands for itself. */
export function compileCel(c: Compiling, node: Node | null, at: Located): Value | undefined {
  if (!isScalar(node) || typeof node.value !== "string") return compileValue(c, node, at);
  const expr = compileExpression(c, node, node.value, rawOffset(c, node, node.value, 0), `\`${node.value}\``);
  return expr && { kind: "expr", expr, where: expr.where };
}

function compileScalar(c: Compiling, node: Scalar, where: Where): Value | undefined {
  const v = node.value;
  if (v === null || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v))) return { kind: "constant", value: v, where };
  if (typeof v !== "string") {
    c.reader.report(node, `${describe(node)} is not a value the site language reads`);
    return undefined;
  }
  const split = splitInterpolation(v);
  if (!split.ok) {
    c.reader.report(node, split.message, rawOffset(c, node, v.slice(split.offset, split.offset + 2), 0));
    return undefined;
  }
  let searchFrom = 0;
  const pieces: (string | Expression)[] = [];
  let ok = true;
  for (const piece of split.pieces) {
    if (piece.kind === "text") {
      pieces.push(piece.text);
      continue;
    }
    const label = "${" + piece.source + "}";
    const at = rawOffset(c, node, label, searchFrom);
    searchFrom = at + label.length;
    const expr = compileExpression(c, node, piece.source, at + 2, `\`${label}\``, at);
    if (expr) pieces.push(expr);
    else ok = false;
  }
  if (!ok) return undefined;
  if (pieces.length === 1 && typeof pieces[0] !== "string") return { kind: "expr", expr: pieces[0], where };
  if (pieces.every((p) => typeof p === "string")) return { kind: "constant", value: pieces.join(""), where };
  return { kind: "text", pieces, where };
}

function compileMap(c: Compiling, pairs: { key: unknown; value: unknown }[], where: Where): Value | undefined {
  const entries: MapEntry[] = [];
  let ok = true;
  for (const pair of pairs) {
    const keyNode = c.reader.resolve(pair.key);
    if (!isScalar(keyNode) || keyNode.value === null || typeof keyNode.value === "object") {
      c.reader.report(keyNode ?? { range: null }, `keys must be strings, not ${describe(keyNode)}`);
      ok = false;
      continue;
    }
    const value = compileValue(c, c.reader.resolve(pair.value), keyNode);
    if (value) entries.push({ key: String(keyNode.value), keyWhere: whereOf(c.reader.file, keyNode), value });
    else ok = false;
  }
  if (!ok) return undefined;
  if (!entries.every((e) => isConstant(e.value))) return { kind: "map", entries, where };
  const value: { [key: string]: JsonValue } = {};
  for (const e of entries) value[e.key] = (e.value as { value: JsonValue }).value;
  return { kind: "constant", value: constant(value), where, entries };
}

/** A list or map of constants: the same object for every node, never written to. */
function constant(value: JsonValue): JsonValue {
  markConstant(value);
  return value;
}

/**
 * `source` at `offset` in the scalar's text as written (quotes and escapes
 * included, so positions match the editor); `labelAt`, where the `${` is, for
 * messages that point at the whole interpolation.
 */
function compileExpression(c: Compiling, node: Scalar, source: string, offset: number, label: string, labelAt = offset): Expression | undefined {
  const compiled = c.cel.compile(source);
  if (!compiled.ok) {
    c.reader.report(node, `${label}: ${compiled.message}`, compiled.offset === undefined ? labelAt : offset + compiled.offset);
    return undefined;
  }
  return { program: compiled.program, label, where: whereOf(c.reader.file, node, labelAt) };
}

/** Where `text` occurs in the scalar as written, searching from `from`; the scalar's start when escapes hide it. */
function rawOffset(c: Compiling, node: Scalar, text: string, from: number): number {
  const range = node.range;
  if (!range) return 0;
  const at = c.reader.file.text.slice(range[0], range[1]).indexOf(text, from);
  return Math.max(at, 0);
}

function isConstant(v: Value): v is Extract<Value, { kind: "constant" }> {
  return v.kind === "constant";
}

/** Receives problems found while evaluating, where they are. */
export type Sink = (where: Where, message: string) => void;

/**
 * Results of expressions that do not read one variable, kept while only that
 * variable changes between evaluations (a `for_each` item's `each`): such an
 * expression gives the same result, and the same problem, every time.
 */
export interface Shared {
  /** The variable that changes. */
  varying: string;
  results: Map<Expression, JsonValue | undefined>;
}

/** How a module's resources are evaluated: with results shared across a `for_each`, and parameters that are unknown. */
export interface Evaluation {
  shared?: Shared;
  unknown?: UnknownParams;
}

/** The value for one node's bindings; undefined after reporting every expression that failed (or on reading an unknown parameter). */
export function evaluate(value: Value, bindings: Bindings, report: Sink, options: Evaluation = {}): JsonValue | undefined {
  switch (value.kind) {
    case "constant":
      return value.value;
    case "expr":
      return run(value.expr, bindings, report, options);
    case "text": {
      let out = "";
      let ok = true;
      for (const piece of value.pieces) {
        if (typeof piece === "string") out += piece;
        else {
          const v = run(piece, bindings, report, options);
          if (v === undefined) ok = false;
          else out += stringify(v);
        }
      }
      return ok ? out : undefined;
    }
    case "list": {
      const items = value.items.map((i) => evaluate(i, bindings, report, options));
      return items.every((i): i is JsonValue => i !== undefined) ? items : undefined;
    }
    case "map": {
      const out: { [key: string]: JsonValue } = {};
      let ok = true;
      for (const e of value.entries) {
        const v = evaluate(e.value, bindings, report, options);
        if (v === undefined) ok = false;
        else out[e.key] = v;
      }
      return ok ? out : undefined;
    }
  }
}

function run(expr: Expression, bindings: Bindings, report: Sink, { shared, unknown }: Evaluation): JsonValue | undefined {
  if (unknown && mayReadUnknown(expr.program, unknown)) return undefined;
  if (!shared || expr.program.identifiers.has(shared.varying)) return runOnce(expr, bindings, report);
  if (shared.results.has(expr)) return shared.results.get(expr);
  const v = runOnce(expr, bindings, report);
  shared.results.set(expr, v);
  return v;
}

function runOnce(expr: Expression, bindings: Bindings, report: Sink): JsonValue | undefined {
  const result = expr.program.run(bindings);
  if (result.ok) return result.value;
  report(expr.where, `${expr.label}: ${result.message}`);
  return undefined;
}

/** The children of a list or map value that carry their own positions, for problems inside a value (a bad list item). */
export function childAt(value: Value | undefined, key: string | number): Value | undefined {
  if (!value) return undefined;
  if (typeof key === "number") return value.kind === "list" || value.kind === "constant" ? value.items?.[key] : undefined;
  if (value.kind === "map" || value.kind === "constant") return value.entries?.find((e) => e.key === key)?.value;
  return undefined;
}
