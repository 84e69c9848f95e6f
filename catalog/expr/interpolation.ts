// `${...}` inside strings: the text split into literal pieces and CEL sources.
// `$${` is a literal `${`. The closing brace is found by counting braces
// outside CEL string literals, so `${ {"a": 1}["a"] }` is one expression.

export type Piece = { kind: "text"; text: string } | { kind: "expr"; source: string /** offset of `${` in the string */; offset: number };

export type Split = { ok: true; pieces: Piece[] } | { ok: false; message: string; offset: number };

export function splitInterpolation(text: string): Split {
  const pieces: Piece[] = [];
  let literal = "";
  let i = 0;
  while (i < text.length) {
    if (text.startsWith("$${", i)) {
      literal += "${";
      i += 3;
    } else if (text.startsWith("${", i)) {
      const end = closingBrace(text, i + 2);
      if (end < 0) return { ok: false, message: "`${` is not closed by `}`", offset: i };
      const source = text.slice(i + 2, end);
      if (source.trim() === "") return { ok: false, message: "`${}` holds no expression", offset: i };
      if (literal) pieces.push({ kind: "text", text: literal });
      literal = "";
      pieces.push({ kind: "expr", source, offset: i });
      i = end + 1;
    } else {
      literal += text[i];
      i++;
    }
  }
  if (literal) pieces.push({ kind: "text", text: literal });
  return { ok: true, pieces };
}

function closingBrace(text: string, from: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "{") depth++;
    else if (c === "}") {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}
