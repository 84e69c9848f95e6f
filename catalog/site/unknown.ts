// Parameters whose value is not known in this compile: missing or wrong, and
// already reported. The module's resources are still checked, so that one bad
// value does not hide the rest of its problems (a dangling require, a cycle);
// an expression or template that may read an unknown parameter gives no value
// and no problem of its own, instead of a second, misleading one.
import { parse } from "@bufbuild/cel";
import type { Program } from "../expr/cel.js";
import type { Value } from "./value.js";

/** Names of the module's parameters that are unknown; empty in a compile that can give a catalog. */
export type UnknownParams = ReadonlySet<string>;

/** The parameters an expression reads: the fields of `params` it selects, or "all" when it uses `params` otherwise (`params[k]`). */
type Reads = ReadonlySet<string> | "all";

/** Worked out only when a parameter is unknown (a compile that fails anyway), once per expression. */
const readsOf = new WeakMap<Program, Reads>();

export function mayReadUnknown(program: Program, unknown: UnknownParams): boolean {
  if (unknown.size === 0 || !program.identifiers.has("params")) return false;
  let reads = readsOf.get(program);
  if (!reads) readsOf.set(program, (reads = paramsRead(program.source)));
  return reads === "all" || [...reads].some((name) => unknown.has(name));
}

/** Some expression in `value` may read an unknown parameter. */
export function valueMayReadUnknown(value: Value, unknown: UnknownParams): boolean {
  switch (value.kind) {
    case "constant":
      return false;
    case "expr":
      return mayReadUnknown(value.expr.program, unknown);
    case "text":
      return value.pieces.some((p) => typeof p !== "string" && mayReadUnknown(p.program, unknown));
    case "list":
      return value.items.some((i) => valueMayReadUnknown(i, unknown));
    case "map":
      return value.entries.some((e) => valueMayReadUnknown(e.value, unknown));
  }
}

/** A template (with its partials) may read an unknown parameter: its variables are not known, or include `params`. */
export function templateMayReadUnknown(variables: ReadonlySet<string> | undefined, unknown: UnknownParams): boolean {
  return unknown.size > 0 && (variables === undefined || variables.has("params"));
}

interface AstNode {
  exprKind?: { case?: string; value?: { name?: unknown; operand?: AstNode; field?: unknown } };
}

function paramsRead(source: string): Reads {
  const fields = new Set<string>();
  let all = false;
  const walk = (node: unknown): void => {
    if (all || node === null || typeof node !== "object") return;
    if (Array.isArray(node)) {
      for (const item of node) walk(item);
      return;
    }
    const kind = (node as AstNode).exprKind;
    if (kind?.case === "selectExpr" && isParams(kind.value?.operand) && typeof kind.value?.field === "string") {
      fields.add(kind.value.field);
      return;
    }
    if (isParams(node as AstNode)) {
      all = true;
      return;
    }
    for (const child of Object.values(node)) walk(child);
  };
  walk(parse(source).expr);
  return all ? "all" : fields;
}

/** `params`, or `.params` (the root-level name). */
function isParams(node: AstNode | undefined): boolean {
  const kind = node?.exprKind;
  return kind?.case === "identExpr" && (kind.value?.name === "params" || kind.value?.name === ".params");
}
