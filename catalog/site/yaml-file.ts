// Loading one YAML file of the site with enough bookkeeping to locate every
// problem as file:line:column. Malformed YAML becomes problems, never a throw.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { LineCounter, parseDocument, type Document } from "yaml";
import type { SiteProblem } from "../compiler.js";

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

export type LoadResult =
  | { kind: "ok"; file: YamlFile }
  | { kind: "missing" }
  | { kind: "invalid"; problems: SiteProblem[] };

export async function loadYaml(siteDir: string, rel: string): Promise<LoadResult> {
  let text: string;
  try {
    text = await readFile(path.join(siteDir, rel), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { kind: "missing" };
    return { kind: "invalid", problems: [problemAtStart(rel, `cannot read: ${(err as Error).message}`)] };
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const file: YamlFile = { rel, text, doc, lines };
  if (doc.errors.length === 0) return { kind: "ok", file };
  return { kind: "invalid", problems: doc.errors.map((e) => problemAt(file, { range: [e.pos[0], e.pos[1], e.pos[1]] }, yamlMessage(e.code, e.message))) };
}

function yamlMessage(code: string, message: string): string {
  // The parser's own advice here names a library function, which means nothing to a site author.
  if (code === "MULTIPLE_DOCS") return "a site file must hold a single YAML document (remove the extra `---`)";
  return `invalid YAML: ${message}`;
}
