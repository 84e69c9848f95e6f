// The one loader of Ancla's config files: the server's server.yaml, the data
// dir's server.json and the agent's agent.yaml. Each file is described once,
// by a schema (the key as written, the field it fills, its type, range, unit
// scale, default and a line of description); the loader gives back a typed
// object, or one error naming the file, the position, the key and what is
// wrong. Unknown keys are refused with the known ones listed: a typo that
// silently means "the default" is found only when it matters.
// JSON is YAML, so server.json goes through the same parser and its errors
// carry positions too. It lives in core/ because both the agent and the
// server read config files.
import { readFileSync } from "node:fs";
import { isMap, isScalar, LineCounter, parseDocument, type Document, type Node, type Pair } from "yaml";
import { AnclaError } from "./errors.js";

interface SettingBase {
  /** The field of the loaded object this setting fills. */
  field: string;
  /** One line for docs: what the setting is. */
  description: string;
  /** The file must set it: no default makes sense (e.g. the site directory). */
  required?: true;
}

export interface TextSetting extends SettingBase {
  type: "string";
  default?: string;
}

export interface NumberSetting extends SettingBase {
  /** "integer": a whole number; "number": any finite number (seconds may be fractional). */
  type: "integer" | "number";
  min?: number;
  max?: number;
  /** What one unit of the setting is in the field's unit: 1000 for a setting in seconds filling a field in ms. */
  scale?: number;
  /** In the setting's own unit, before the scale. */
  default?: number;
}

export type Setting = TextSetting | NumberSetting;

/** A config file's settings by their key in the file. */
export type ConfigSchema = Readonly<Record<string, Setting>>;

type ValueOf<S extends Setting> = S extends NumberSetting ? number : string;
type AlwaysSet<S extends Setting> = S extends { default: unknown } | { required: true } ? true : false;
type Flatten<T> = { [K in keyof T]: T[K] } & {};

/** What loading a file of schema C gives: a field per setting, optional unless it has a default or is required. */
export type ConfigOf<C extends ConfigSchema> = Flatten<
  { -readonly [K in keyof C as AlwaysSet<C[K]> extends true ? C[K]["field"] : never]: ValueOf<C[K]> } & {
    -readonly [K in keyof C as AlwaysSet<C[K]> extends true ? never : C[K]["field"]]?: ValueOf<C[K]>;
  }
>;

export interface LoadOptions {
  /** A missing file counts as an empty one (the default agent.yaml need not exist); otherwise it is an error. */
  missingIsEmpty?: boolean;
}

export function loadConfig<C extends ConfigSchema>(file: string, schema: C, options: LoadOptions = {}): ConfigOf<C> {
  const text = readText(file, options);
  const given = text === undefined ? new Map<string, unknown>() : settingsIn(new ConfigText(file, text), schema);
  return fill(file, schema, given) as ConfigOf<C>;
}

/** The table of a file's settings for the docs: key, default, what it is. */
export function settingsTable(schema: ConfigSchema): string {
  const rows = Object.entries(schema).map(([key, s]) => `| \`${key}\` | ${s.default === undefined ? (s.required ? "required" : "—") : `\`${s.default}\``} | ${s.description} |`);
  return ["| Setting | Default | What it is |", "|---|---|---|", ...rows].join("\n");
}

function configError(message: string): AnclaError {
  return new AnclaError("ANCLA_E_CONFIG", message);
}

function readText(file: string, options: LoadOptions): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === "ENOENT" && options.missingIsEmpty) return undefined;
    // "ENOENT: no such file or directory, open '…'": the path is already in front.
    throw new AnclaError("ANCLA_E_CONFIG", `cannot read ${file}: ${e.message.split(",")[0]}`, { cause: err });
  }
}

/** A parsed file with what it takes to name a position in it. */
class ConfigText {
  readonly doc: Document.Parsed;
  private readonly lines = new LineCounter();

  constructor(
    readonly file: string,
    text: string,
  ) {
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false });
  }

  /** file:line:column of a node, or of the file's start. */
  at(node: Node | null | undefined): string {
    return this.atOffset(node?.range?.[0] ?? 0);
  }

  atOffset(offset: number): string {
    const { line, col } = this.lines.linePos(offset);
    return `${this.file}:${line}:${col}`;
  }
}

/** The file's settings by key, each checked against its schema entry; null values left out (as if absent). */
function settingsIn(text: ConfigText, schema: ConfigSchema): Map<string, unknown> {
  const { doc } = text;
  const syntax = doc.errors[0];
  if (syntax) throw configError(`cannot read ${text.atOffset(syntax.pos[0])}: ${yamlMessage(syntax.code, syntax.message)}`);
  const root = doc.contents;
  // A file of comments only (the packaged default before it is edited) sets nothing.
  if (root === null || (isScalar(root) && root.value === null)) return new Map();
  if (!isMap(root)) throw configError(`${text.at(root)}: expected a mapping of settings (key: value)`);
  const given = new Map<string, unknown>();
  for (const pair of root.items as Pair<Node, Node | null>[]) {
    const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
    const setting = schema[key];
    if (!setting) throw configError(`${text.at(pair.key)}: unknown setting "${key}" (known: ${Object.keys(schema).join(", ")})`);
    const value: unknown = pair.value?.toJS(doc) ?? null;
    if (value === null) continue;
    const problem = check(key, setting, value);
    if (problem) throw configError(`${text.at(pair.value ?? pair.key)}: ${problem}`);
    given.set(key, value);
  }
  return given;
}

/** What is wrong with a value for a setting, or undefined. */
function check(key: string, setting: Setting, value: unknown): string | undefined {
  if (setting.type === "string") return typeof value === "string" && value !== "" ? undefined : `${key} must be a non-empty string, got ${show(value)}`;
  const kind = setting.type === "integer" ? "a whole number" : "a number";
  const isKind = typeof value === "number" && Number.isFinite(value) && (setting.type === "number" || Number.isInteger(value));
  if (!isKind) return `${key} must be ${kind}, got ${show(value)}`;
  const { min, max } = setting;
  if ((min !== undefined && value < min) || (max !== undefined && value > max)) return `${key} must be ${kind} ${range(min, max)}, got ${show(value)}`;
  return undefined;
}

function range(min: number | undefined, max: number | undefined): string {
  if (max === undefined) return `from ${min}`;
  return min === undefined ? `up to ${max}` : `from ${min} to ${max}`;
}

function show(value: unknown): string {
  return JSON.stringify(value);
}

/** Each setting's field: the file's value, else the default (both scaled); a required one absent is an error. */
function fill(file: string, schema: ConfigSchema, given: Map<string, unknown>): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [key, setting] of Object.entries(schema)) {
    const value = (given.get(key) as string | number | undefined) ?? setting.default;
    if (value === undefined) {
      if (setting.required) throw configError(`${file}: ${key} must be set (${setting.description})`);
      continue;
    }
    out[setting.field] = typeof value === "number" && setting.type !== "string" ? value * (setting.scale ?? 1) : value;
  }
  return out;
}

function yamlMessage(code: string, message: string): string {
  // The parser's own advice here names a library function, which means nothing to whoever edits the file.
  if (code === "MULTIPLE_DOCS") return "a config file holds a single YAML document (remove the extra `---`)";
  return message;
}
