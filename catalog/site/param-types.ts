// Typed module parameters: the spec a module declares for each parameter and
// the check of a value against it. A wrong value is reported where it is
// written (a default, a data file, a classification rule), down to the list
// item or map entry that is wrong when the value is written out in YAML.
import { isScalar, isSeq, type Node } from "yaml";
import type { JsonValue } from "../model.js";
import type { Field, Reader } from "./reader.js";
import { childAt, compileValue, type Compiling, type Value } from "./value.js";
import { whereOf, type Located, type Where } from "./yaml-file.js";

export const PARAM_TYPES = ["string", "int", "number", "bool", "list", "map", "enum"] as const;
export type ParamType = (typeof PARAM_TYPES)[number];

export interface TypeSpec {
  type: ParamType;
  /** Element type of a list, value type of a map. */
  of?: TypeSpec;
  /** The allowed values of an enum. */
  values?: JsonValue[];
}

export interface ParamSpec extends TypeSpec {
  name: string;
  optional: boolean;
  default?: Value;
  /** The parameter's key in module.yaml: where "no value" is reported. */
  where: Where;
}

const SPEC_KEYS = ["type", "of", "values", "optional", "default"];
const ELEMENT_KEYS = ["type", "of", "values"];
/** Parameter names are CEL identifiers (params.x) and hold no dot (data keys are module.param). */
export const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function readParamSpec(c: Compiling, name: string, f: Field): ParamSpec | undefined {
  const map = c.reader.map(f.value, `parameter \`${name}\``, f.key);
  if (!map) return undefined;
  const fields = c.reader.fields(map, SPEC_KEYS);
  const type = readTypeSpec(c.reader, fields, f);
  const optional = fields.get("optional");
  const isOptional = optional ? c.reader.bool(optional.value, "`optional`", optional.key) : false;
  const def = fields.get("default");
  const defaultValue = def ? compileValue(c, def.value, def.key) : undefined;
  if (!type || isOptional === undefined || (def && !defaultValue)) return undefined;
  return { ...type, name, optional: isOptional, default: defaultValue, where: whereOf(c.reader.file, f.key) };
}

function readTypeSpec(reader: Reader, fields: Map<string, Field>, owner: Field): TypeSpec | undefined {
  const typeField = fields.get("type");
  if (!typeField) {
    reader.report(owner.key, `\`${String(owner.key.value)}\` needs a \`type\` (one of ${PARAM_TYPES.join(", ")})`);
    return undefined;
  }
  const type = reader.string(typeField.value, "`type`", typeField.key);
  if (type === undefined) return undefined;
  if (!(PARAM_TYPES as readonly string[]).includes(type)) {
    reader.report(typeField.value, `\`type\` must be one of ${PARAM_TYPES.join(", ")}, not ${JSON.stringify(type)}`);
    return undefined;
  }
  const spec: TypeSpec = { type: type as ParamType };
  const of = fields.get("of");
  const values = fields.get("values");
  const misplaced: [boolean, Located, string][] = [
    [!!of && type !== "list" && type !== "map", of?.key, "`of` only applies to `type: list` or `type: map`"],
    [!!values && type !== "enum", values?.key, "`values` only applies to `type: enum`"],
    [type === "enum" && !values, typeField.key, "`type: enum` needs `values`, the list of allowed values"],
  ];
  for (const [wrong, at, message] of misplaced) if (wrong) reader.report(at, message);
  if (misplaced.some(([wrong]) => wrong)) return undefined;
  if (of && (type === "list" || type === "map")) {
    const element = readElementSpec(reader, of);
    if (!element) return undefined;
    spec.of = element;
  }
  if (values && type === "enum") {
    const allowed = readEnumValues(reader, values);
    if (!allowed) return undefined;
    spec.values = allowed;
  }
  return spec;
}

/** `of: string` is short for `of: { type: string }`. */
function readElementSpec(reader: Reader, of: Field): TypeSpec | undefined {
  if (isScalar(of.value)) return readTypeSpec(reader, new Map([["type", of]]), of);
  const map = reader.map(of.value, "`of`", of.key);
  return map ? readTypeSpec(reader, reader.fields(map, ELEMENT_KEYS), of) : undefined;
}

function readEnumValues(reader: Reader, values: Field): JsonValue[] | undefined {
  const list = reader.seq(values.value, "`values`", values.key);
  if (!list) return undefined;
  const out: JsonValue[] = [];
  for (const item of list.items) {
    const n: Node | null = reader.resolve(item);
    if (!isScalar(n) || isSeq(n) || (n.value !== null && typeof n.value === "object")) {
      reader.report(n ?? list, "enum values must be strings, numbers or booleans");
      return undefined;
    }
    out.push(n.value as JsonValue);
  }
  if (out.length === 0) reader.report(values.value, "`values` must list at least one value");
  return out.length > 0 ? out : undefined;
}

/** One wrong part of a value: where (as precisely as the source allows) and what. */
export interface TypeProblem {
  where: Where;
  message: string;
}

/** Problems of `value` against `spec`; `name` is how the message calls it (nginx.workers, nginx.sites[1]). */
export function typeProblems(value: JsonValue, spec: TypeSpec, name: string, origin: Value | undefined, where: Where): TypeProblem[] {
  const at = origin?.where ?? where;
  const wrong = (expected: string): TypeProblem[] => [{ where: at, message: `parameter ${name} must be ${expected}, not ${describeJson(value)}` }];
  switch (spec.type) {
    case "string":
      return typeof value === "string" ? [] : wrong("a string");
    case "int":
      return typeof value === "number" && Number.isInteger(value) ? [] : wrong("an int");
    case "number":
      return typeof value === "number" ? [] : wrong("a number");
    case "bool":
      return typeof value === "boolean" ? [] : wrong("a bool");
    case "enum":
      return spec.values!.some((v) => v === value) ? [] : wrong(`one of ${spec.values!.map((v) => JSON.stringify(v)).join(", ")}`);
    case "list":
      if (!Array.isArray(value)) return wrong("a list");
      return spec.of ? value.flatMap((v, i) => typeProblems(v, spec.of!, `${name}[${i}]`, childAt(origin, i), at)) : [];
    case "map":
      if (value === null || typeof value !== "object" || Array.isArray(value)) return wrong("a map");
      return spec.of ? Object.entries(value).flatMap(([k, v]) => typeProblems(v, spec.of!, `${name}.${k}`, childAt(origin, k), at)) : [];
  }
}

export function describeJson(value: JsonValue): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a map";
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  return `the ${typeof value} ${String(value)}`;
}
