// Reading the shape of a YAML document while collecting problems: each method
// either returns the value it expected or records a located problem and
// returns undefined, so one pass over a file reports every mistake in it.
import { isAlias, isMap, isScalar, isSeq, type Node, type Scalar, type YAMLMap, type YAMLSeq } from "yaml";
import type { SiteProblem } from "../compile-seam.js";
import { problemAt, type Located, type YamlFile } from "./yaml-file.js";

export interface Field {
  key: Scalar;
  /** The value, or null when the key has none (e.g. `{ title }` in a flow mapping). */
  value: Node | null;
}

export class Reader {
  constructor(
    readonly file: YamlFile,
    private readonly problems: SiteProblem[],
  ) {}

  report(node: Located, message: string, offsetInNode = 0): void {
    this.problems.push(problemAt(this.file, node, message, offsetInNode));
  }

  /** Follows `*alias` to its anchored node, so aliases read like what they point at. */
  resolve(node: unknown): Node | null {
    if (isAlias(node)) return node.resolve(this.file.doc) ?? null;
    return isScalar(node) || isMap(node) || isSeq(node) ? node : null;
  }

  map(node: unknown, what: string, at: Located): YAMLMap | undefined {
    const n = this.resolve(node);
    if (isMap(n)) return n;
    this.report(n ?? at, `${what} must be a mapping, not ${describe(n)}`);
    return undefined;
  }

  seq(node: unknown, what: string, at: Located): YAMLSeq | undefined {
    const n = this.resolve(node);
    if (isSeq(n)) return n;
    this.report(n ?? at, `${what} must be a list, not ${describe(n)}`);
    return undefined;
  }

  string(node: unknown, what: string, at: Located): string | undefined {
    const n = this.resolve(node);
    if (isScalar(n) && typeof n.value === "string") return n.value;
    this.report(n ?? at, `${what} must be a string, not ${describe(n)}`);
    return undefined;
  }

  bool(node: unknown, what: string, at: Located): boolean | undefined {
    const n = this.resolve(node);
    if (isScalar(n) && typeof n.value === "boolean") return n.value;
    this.report(n ?? at, `${what} must be true or false, not ${describe(n)}`);
    return undefined;
  }

  /** The entries of a mapping by key; keys outside `known` are reported, with the list of known ones. */
  fields(map: YAMLMap, known: readonly string[]): Map<string, Field> {
    const out = new Map<string, Field>();
    for (const pair of map.items) {
      const key = this.resolve(pair.key);
      if (!isScalar(key) || typeof key.value !== "string") {
        this.report(key ?? map, `keys must be strings, not ${describe(key)}`);
      } else if (!known.includes(key.value)) {
        this.report(key, `unknown key \`${key.value}\` (expected one of: ${known.join(", ")})`);
      } else {
        out.set(key.value, { key, value: this.resolve(pair.value) });
      }
    }
    return out;
  }
}

export function describe(node: Node | null): string {
  if (node === null) return "empty";
  if (isMap(node)) return "a mapping";
  if (isSeq(node)) return "a list";
  if (isScalar(node)) {
    if (node.value === null) return "empty";
    if (typeof node.value === "number") return `the number ${node.source ?? String(node.value)}`;
    if (typeof node.value === "boolean") return `the boolean ${String(node.value)}`;
    if (typeof node.value === "string") return "a string";
  }
  return "an unsupported value";
}
