// `${...}` interpolation. The full language evaluates CEL over node, facts,
// params and data; this compiler knows only `${node.name}` and says so about
// anything else instead of leaving the text as it is.
import type { Node, Scalar } from "yaml";
import type { Field, Reader } from "./reader.js";
import type { Located } from "./yaml-file.js";

const EXPRESSION = /\$\{([^}]*)\}/g;
const UNTERMINATED = /\$\{[^}]*$/;

/** Reads strings with `${node.name}` applied; every string value of a resource may interpolate. */
export class Strings {
  constructor(
    readonly reader: Reader,
    readonly certname: string,
  ) {}

  field(f: Field, what: string): string | undefined {
    return this.value(f.value, what, f.key);
  }

  value(node: Node | null, what: string, at: Located): string | undefined {
    const text = this.reader.string(node, what, at);
    return text === undefined ? undefined : interpolate(this.reader, node as Scalar, text, this.certname);
  }
}

/** The text with `${node.name}` replaced, or undefined after reporting what else it held. */
function interpolate(reader: Reader, node: Scalar, text: string, certname: string): string | undefined {
  const source = sourceOf(reader, node);
  let ok = true;
  let searchFrom = 0;
  const out = text.replace(EXPRESSION, (whole: string, inner: string) => {
    if (inner.trim() === "node.name") return certname;
    ok = false;
    // Point at the expression itself; escapes in quoted scalars can shift it, so fall back to the scalar's start.
    const at = source.indexOf(whole, searchFrom);
    if (at >= 0) searchFrom = at + whole.length;
    reader.report(node, `\`${whole}\`: only \${node.name} is supported by this compiler`, Math.max(at, 0));
    return whole;
  });
  if (UNTERMINATED.test(text)) {
    ok = false;
    reader.report(node, "`${` is not closed by `}`", Math.max(source.lastIndexOf("${"), 0));
  }
  return ok ? out : undefined;
}

function sourceOf(reader: Reader, node: Scalar): string {
  const range = node.range;
  return range ? reader.file.text.slice(range[0], range[1]) : "";
}
