// Loading one YAML file of the site with enough bookkeeping to locate every
// problem as file:line:column. Malformed YAML becomes problems, never a throw.
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { isAlias, isMap, isPair, isSeq, LineCounter, parseDocument, type Alias, type Document, type Node } from "yaml";
import type { SiteProblem } from "../compile-seam.js";

export interface YamlFile {
  /** Path relative to the site dir, with `/` separators: what problems show. */
  rel: string;
  text: string;
  doc: Document.Parsed;
  lines: LineCounter;
}

/** Anything with a `yaml` source range, or nothing (then the file start is used). */
export type Located = { range?: readonly [number, number, number] | null } | null | undefined;

/** A position in the site, kept apart from its message so that problems found later (the graph) can point back. */
export type Where = Omit<SiteProblem, "message">;

export function whereOf(file: YamlFile, node: Located, offsetInNode = 0): Where {
  const offset = (node?.range?.[0] ?? 0) + offsetInNode;
  const { line, col } = file.lines.linePos(offset);
  return { file: file.rel, line, column: col };
}

export function problemAt(file: YamlFile, node: Located, message: string, offsetInNode = 0): SiteProblem {
  return { ...whereOf(file, node, offsetInNode), message };
}

export function formatWhere(w: Where): string {
  return `${w.file}:${w.line}:${w.column}`;
}

/** Position 1:1 of a file, for problems about the file as a whole. */
export function problemAtStart(rel: string, message: string): SiteProblem {
  return { file: rel, line: 1, column: 1, message };
}

export type LoadResult = { kind: "ok"; file: YamlFile } | { kind: "missing" } | { kind: "invalid"; problems: SiteProblem[] };

/**
 * Site YAML is configuration, read on the server for every site version: a
 * file larger than this is a mistake or an attack (a 4 MB map took the parser
 * 32 s), refused before it is read.
 */
export const MAX_SITE_YAML_BYTES = 1024 * 1024;
/**
 * Nodes a document may stand for once its aliases are followed. A few aliases
 * of aliases multiply (a 436-byte "billion laughs" file ran for minutes in
 * 1.7 GB); a real site file is far below this.
 */
export const MAX_EXPANDED_NODES = 100_000;

export async function loadYaml(siteDir: string, rel: string): Promise<LoadResult> {
  let text: string;
  try {
    const file = path.join(siteDir, rel);
    const { size } = await stat(file);
    if (size > MAX_SITE_YAML_BYTES)
      return {
        kind: "invalid",
        problems: [
          problemAtStart(rel, `the file is ${size} bytes, over the ${MAX_SITE_YAML_BYTES} bytes a site YAML file may have; split it (data files per node or role) or move the bulk into module files`),
        ],
      };
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { kind: "missing" };
    return { kind: "invalid", problems: [problemAtStart(rel, `cannot read: ${(err as Error).message}`)] };
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const file: YamlFile = { rel, text, doc, lines };
  if (doc.errors.length > 0) return { kind: "invalid", problems: doc.errors.map((e) => problemAt(file, { range: [e.pos[0], e.pos[1], e.pos[1]] }, yamlMessage(e.code, e.message))) };
  const overflow = aliasOverflow(doc);
  if (overflow)
    return { kind: "invalid", problems: [problemAt(file, overflow, `aliases here expand the document past ${MAX_EXPANDED_NODES} nodes; write the values out, or use fewer aliases of aliases`)] };
  return { kind: "ok", file };
}

/**
 * The first alias at which the document, its aliases followed, stands for
 * more than MAX_EXPANDED_NODES nodes. Each collection's expanded size is
 * counted once (memoised), so the check is linear in the file, whatever it
 * would expand to. Growth without aliases is bounded by the file size.
 */
function aliasOverflow(doc: Document.Parsed): Alias | undefined {
  const sizes = new Map<Node, number>();
  let overflowAt: Alias | undefined;
  const size = (node: unknown, via: Alias | undefined): number => {
    if (isAlias(node)) {
      const target = node.resolve(doc);
      return target ? size(target, via ?? node) : 1;
    }
    if (!isMap(node) && !isSeq(node)) return 1;
    const known = sizes.get(node);
    if (known !== undefined) return known;
    sizes.set(node, 1); // a collection holding an alias to itself counts once
    let total = 1;
    for (const item of node.items) {
      const parts = isPair(item) ? [item.key, item.value] : [item];
      for (const part of parts) {
        const cause = isAlias(part) ? part : via;
        total += size(part, cause);
        if (total > MAX_EXPANDED_NODES && cause && !overflowAt) overflowAt = cause;
      }
      if (overflowAt) break;
    }
    sizes.set(node, total);
    return total;
  };
  size(doc.contents, undefined);
  return overflowAt;
}

function yamlMessage(code: string, message: string): string {
  // The parser's own advice here names a library function, which means nothing to a site author.
  if (code === "MULTIPLE_DOCS") return "a site file must hold a single YAML document (remove the extra `---`)";
  return `invalid YAML: ${message}`;
}
