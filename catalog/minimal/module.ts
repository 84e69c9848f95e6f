// One module: modules/<name>/module.yaml read into declared resources, with
// `source:` files read into content addressed by SHA-256.
import path from "node:path";
import { isScalar, type YAMLMap } from "yaml";
import type { SiteProblem } from "../compiler.js";
import { sha256Hex } from "../canonical.js";
import type { EdgeKind, Resource } from "../model.js";
import { readFileResource, type FileDecl } from "./file-type.js";
import { Strings } from "./interpolate.js";
import { Reader } from "./reader.js";
import { readModuleSource } from "./source.js";
import { loadYaml, whereOf, type Where } from "./yaml-file.js";

export interface Relation {
  kind: EdgeKind;
  ref: string;
  where: Where;
}

/** A resource as declared, for the graph checks; `resource` is absent when its type is not supported. */
export interface Declared {
  ref: string;
  where: Where;
  relations: Relation[];
  resource?: Resource;
}

export type ModuleRead =
  | { kind: "ok"; declared: Declared[] }
  | { kind: "missing"; rel: string }
  | { kind: "invalid" };

export async function readModule(
  siteDir: string,
  name: string,
  certname: string,
  problems: SiteProblem[],
  contents: Map<string, Uint8Array>,
): Promise<ModuleRead> {
  const rel = `modules/${name}/module.yaml`;
  const loaded = await loadYaml(siteDir, rel);
  if (loaded.kind === "missing") return { kind: "missing", rel };
  if (loaded.kind === "invalid") {
    problems.push(...loaded.problems);
    return { kind: "invalid" };
  }
  const reader = new Reader(loaded.file, problems);
  const declared: Declared[] = [];
  for (const item of resourceItems(reader)) {
    const d = await readResource(new Strings(reader, certname), item, path.join(siteDir, "modules", name), contents);
    if (d) declared.push(d);
  }
  return { kind: "ok", declared };
}

function resourceItems(reader: Reader): YAMLMap[] {
  const root = reader.file.doc.contents;
  // An empty module.yaml is a module with nothing to manage yet, not a mistake.
  if (root === null || (isScalar(root) && root.value === null)) return [];
  const top = reader.map(root, "module.yaml", root);
  if (!top) return [];
  const list = reader.fields(top, ["resources"], ["params"]).get("resources");
  if (!list) return [];
  const items = reader.seq(list.value, "`resources`", list.key);
  if (!items) return [];
  return items.items.flatMap((item) => reader.map(item, "a resource", items) ?? []);
}

async function readResource(strings: Strings, item: YAMLMap, moduleDir: string, contents: Map<string, Uint8Array>): Promise<Declared | undefined> {
  const reader = strings.reader;
  const typeNode = reader.resolve(item.get("type", true));
  if (!typeNode) {
    reader.report(item, "a resource needs a `type` (this compiler supports: file)");
    return undefined;
  }
  const type = reader.string(typeNode, "`type`", typeNode);
  if (type === undefined) return undefined;
  if (type !== "file") {
    reader.report(typeNode, `resource type ${type} is not supported yet by this compiler (supported: file)`);
    return placeholder(strings, type, item);
  }
  const decl = readFileResource(strings, item);
  if (!decl) return undefined;
  if (decl.source) await attachSource(reader, decl.source, decl.properties, moduleDir, contents);
  if (decl.title === undefined) return undefined;
  const where = whereOf(reader.file, decl.titleAt);
  const relations = decl.relations.map((r) => ({ kind: r.kind, ref: r.ref, where: whereOf(reader.file, r.at) }));
  return { ref: `file:${decl.title}`, where, relations, resource: { type: "file", title: decl.title, properties: decl.properties } };
}

/** An unsupported resource still takes its `type:title`, so references to it are not reported as dangling too. */
function placeholder(strings: Strings, type: string, item: YAMLMap): Declared | undefined {
  const file = strings.reader.file;
  const titleNode = strings.reader.resolve(item.get("title", true));
  // Quiet: the unsupported type is the problem worth reading; its other mistakes would be noise.
  const title = new Strings(new Reader(file, []), strings.certname).value(titleNode, "`title`", item);
  return title === undefined ? undefined : { ref: `${type}:${title}`, where: whereOf(file, titleNode), relations: [] };
}

async function attachSource(
  reader: Reader,
  source: NonNullable<FileDecl["source"]>,
  properties: FileDecl["properties"],
  moduleDir: string,
  contents: Map<string, Uint8Array>,
): Promise<void> {
  const read = await readModuleSource(moduleDir, source.path);
  if (!read.ok) {
    reader.report(source.at, read.message);
    return;
  }
  const digest = sha256Hex(read.bytes);
  contents.set(digest, read.bytes);
  properties.content_sha256 = digest;
}
