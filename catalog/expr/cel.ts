// CEL expressions (@bufbuild/cel): compiled once per distinct source text and
// cached, because parsing and planning cost ~0.7 ms while evaluating costs a
// few µs, and a site repeats the same expressions for every node it compiles.
import { CelScalar, celEnv, celFunc, celList, celMap, isCelError, isCelList, isCelMap, parse, plan, type CelInput } from "@bufbuild/cel";
import type { JsonValue } from "../model.js";
import { SECRET_NAME, SECRET_NAME_RULE, secretMarker } from "../secrets/markers.js";
import { fromCel } from "./convert.js";

/** The variables an expression sees (node, facts, params, data, each), already in CEL form. */
export type Bindings = { [name: string]: CelInput };

export type Evaluated = { ok: true; value: JsonValue } | { ok: false; message: string };

export interface Program {
  readonly source: string;
  /**
   * Every identifier the expression names (variables, but also macro loop
   * variables and function-like names: a superset of the variables it reads).
   * A variable not in here cannot change what the expression gives.
   */
  readonly identifiers: ReadonlySet<string>;
  /** The names this expression passes to `secret()` as string literals: where a problem with one of them points. */
  readonly secrets: ReadonlySet<string>;
  run(bindings: Bindings): Evaluated;
}

export type Compiled = { ok: true; program: Program } | { ok: false; message: string /** where in the source the parser stopped, when it said */; offset?: number };

/** `secret("NAME")`: a marker the compiler binds to the secret's version (catalog/secrets/markers.ts), never the value. */
const SECRET = celFunc("secret", [CelScalar.STRING], CelScalar.STRING, (name: string) => {
  if (!SECRET_NAME.test(name)) throw new Error(`${JSON.stringify(name)} is not a secret name: ${SECRET_NAME_RULE}`);
  return secretMarker(name);
});

const ENV = celEnv({ funcs: [SECRET] });
/** The parser's own prefix, e.g. "<input>:1:17: found + but expecting end of input". */
const PARSER_POSITION = /^<input>:(\d+):(\d+): (.*)$/s;

/** One cache per site version: it only ever grows by that site's expressions. */
export class CelCache {
  private readonly compiled = new Map<string, Compiled>();

  compile(source: string): Compiled {
    let hit = this.compiled.get(source);
    if (!hit) {
      hit = compileCel(source);
      this.compiled.set(source, hit);
    }
    return hit;
  }
}

function compileCel(source: string): Compiled {
  let run: ReturnType<typeof plan>;
  let identifiers: Set<string>;
  let secrets: Set<string>;
  let path: string[] | undefined;
  try {
    const parsed = parse(source);
    ({ identifiers, secrets } = namesIn(parsed));
    path = selectPath(parsed.expr);
    run = plan(ENV, parsed);
  } catch (err) {
    return parseProblem(source, err instanceof Error ? err.message : String(err));
  }
  return {
    ok: true,
    program: {
      source,
      identifiers,
      secrets,
      run(bindings: Bindings): Evaluated {
        if (path) {
          const found = select(bindings, path);
          if (found !== undefined) return fromCel(found);
        }
        let result: unknown;
        try {
          result = run(bindings);
        } catch (err) {
          // The evaluator promises CelError values, but a bug there must not take the compile down.
          return { ok: false, message: err instanceof Error ? err.message : String(err) };
        }
        if (isCelError(result)) return { ok: false, message: result.message };
        return fromCel(result);
      },
    },
  };
}

/**
 * `each.name`, `node.name`, `params.items`: a variable and the keys under it,
 * the commonest expressions of a site by far. For them the evaluator's own
 * work (resolving `each.name` as a qualified name first, then as a variable
 * and a field) is done directly on the bound maps.
 */
function selectPath(expr: unknown): string[] | undefined {
  const path: string[] = [];
  let node = expr as { exprKind?: { case?: string; value?: { name?: string; operand?: unknown; field?: string; testOnly?: boolean } } } | undefined;
  while (node?.exprKind?.case === "selectExpr") {
    const { operand, field, testOnly } = node.exprKind.value!;
    if (testOnly || typeof field !== "string") return undefined;
    path.unshift(field);
    node = operand as typeof node;
  }
  if (node?.exprKind?.case !== "identExpr" || typeof node.exprKind.value?.name !== "string") return undefined;
  const name = node.exprKind.value.name;
  // Only the variables the compiler binds, none of which is a (proto) type name the evaluator would try first.
  if (!VARIABLES.has(name)) return undefined;
  return [name, ...path];
}

const VARIABLES: ReadonlySet<string> = new Set(["node", "facts", "params", "data", "each"]);

/**
 * The value at `path` when every step is a key present in a map, the way the
 * evaluator would find it; undefined for anything else (a missing key, a
 * list, a scalar), which is then left to the evaluator and its message.
 */
function select(bindings: Bindings, path: string[]): unknown {
  let value: unknown = Object.hasOwn(bindings, path[0]) ? bindings[path[0]] : undefined;
  for (let i = 1; i < path.length && value !== undefined; i++) {
    if (value instanceof Map) value = value.get(path[i]);
    else if (isCelMap(value)) value = value.get(path[i]);
    else return undefined;
  }
  // What the evaluator would give: its own list and map wrapped around what the compiler bound.
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Map) return celMap(value);
  if (Array.isArray(value)) return celList(value);
  return isCelMap(value) || isCelList(value) ? value : undefined;
}

interface ExprNode {
  exprKind?: { case?: string; value?: { name?: unknown; function?: unknown; target?: unknown; args?: ExprNode[]; constantKind?: { case?: string; value?: unknown } } };
}

/**
 * The names of every identifier node in the parsed expression, however deep (a
 * generic walk, so no kind of node is missed), and the literal names given to
 * `secret()`.
 */
function namesIn(tree: unknown): { identifiers: Set<string>; secrets: Set<string> } {
  const identifiers = new Set<string>();
  const secrets = new Set<string>();
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== "object") return;
    if (Array.isArray(node)) {
      for (const item of node) walk(item);
      return;
    }
    const kind = (node as ExprNode).exprKind;
    if (kind?.case === "identExpr" && typeof kind.value?.name === "string") {
      const name = kind.value.name;
      identifiers.add(name);
      // `.each` names the root-level `each`.
      if (name.startsWith(".")) identifiers.add(name.slice(1));
    }
    if (kind?.case === "callExpr" && kind.value?.function === "secret" && !kind.value.target) {
      const literal = kind.value.args?.[0]?.exprKind;
      const constant = literal?.case === "constExpr" ? literal.value?.constantKind : undefined;
      if (constant?.case === "stringValue" && typeof constant.value === "string") secrets.add(constant.value);
    }
    for (const child of Object.values(node)) walk(child);
  };
  walk(tree);
  return { identifiers, secrets };
}

function parseProblem(source: string, raw: string): Compiled {
  const firstLine = raw.split("\n")[0];
  const m = PARSER_POSITION.exec(firstLine);
  if (!m) return { ok: false, message: `invalid CEL: ${firstLine}` };
  const [line, column, message] = [Number(m[1]), Number(m[2]), m[3]];
  const lineStart = source
    .split("\n")
    .slice(0, line - 1)
    .reduce((n, l) => n + l.length + 1, 0);
  return { ok: false, message: `invalid CEL: ${message}`, offset: Math.min(lineStart + column - 1, source.length) };
}
