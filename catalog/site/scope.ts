// What expressions and templates see, kept twice: as JSON for Liquid and as
// CEL values for expressions. Each variable is converted once when it is
// bound (facts once per compile, params once per module, each once per item).
import type { Facts } from "../compile-seam.js";
import type { Bindings } from "../expr/cel.js";
import type { CelInput } from "@bufbuild/cel";
import { toCel } from "../expr/convert.js";
import type { JsonValue } from "../model.js";

export interface Scope {
  json: { [name: string]: JsonValue };
  cel: Bindings;
}

/** `node` and `facts`: all that classification, the hierarchy and parameter values may use. */
export function nodeScope(certname: string, facts: Facts): Scope {
  const node = { name: certname };
  return { json: { node, facts }, cel: { node: toCel(node), facts: toCel(facts) } };
}

/** `celValue` when the caller converted it with type hints (params: a `number` stays a double). */
export function bind(scope: Scope, name: string, value: JsonValue, celValue: CelInput = toCel(value)): Scope {
  return new Bound(scope, name, value, { ...scope.cel, [name]: celValue });
}

/** A scope with one more variable; its JSON (only templates read it) is put together when first asked for. */
class Bound implements Scope {
  private own: { [name: string]: JsonValue } | undefined;

  constructor(
    private readonly parent: Scope,
    private readonly name: string,
    private readonly value: JsonValue,
    readonly cel: Bindings,
  ) {}

  get json(): { [name: string]: JsonValue } {
    return (this.own ??= { ...this.parent.json, [this.name]: this.value });
  }
}
