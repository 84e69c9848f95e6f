// The API's shapes, each defined once as a TypeBox schema: fastify validates
// requests and serialises responses with it, @fastify/swagger turns it into
// /api/v1/openapi.json, and `Static<typeof schema>` is the TypeScript type the
// views build, the routes' handlers receive and the operator CLI reads. So the
// document, the code and the CLI cannot drift apart.
import Type, { type Static, type TSchema } from "typebox";
import { eventResultWords, logLevelWords, reportStatusWords } from "../../proto/report-words.js";
import { NODE_STATUSES } from "../status.js";
import { NODE_SORTS } from "../store/nodes.js";

export const str = Type.String();
export const int = Type.Integer();
export const num = Type.Number();
export const bool = Type.Boolean();
export const time = Type.String({ format: "date-time" });
/** A JSON object with any keys (facts, details), documented as just that. */
export const anyObject = Type.Unsafe<Record<string, unknown>>({ type: "object", additionalProperties: true });
export const opt = Type.Optional;

/**
 * T or null, written `type: [T, "null"]` rather than TypeBox's anyOf: the same
 * document as before, and fast-json-stringify serialises it without trying branches.
 */
export function nullable<T extends TSchema>(schema: T, options: { description?: string } = {}) {
  return Type.Unsafe<Static<T> | null>({ ...schema, type: [(schema as { type?: string }).type, "null"], ...options });
}

export const nullableStr = nullable(str);
export const nullableTime = nullable(time);
export const nullableInt = nullable(int);
export const nullableNum = nullable(num);
export const nullableBool = nullable(bool);
export const nullableObject = nullable(anyObject);

/** One of a fixed list of words, typed as their union. */
export function words<W extends string>(values: readonly W[], options: { description?: string; default?: W } = {}) {
  return Type.Unsafe<W>({ type: "string", enum: [...values], ...options });
}

/** An object with exactly these properties; each is present unless wrapped in `opt` (a response always has them all; in a query or body a typo is a 400). */
export function object<P extends Record<string, TSchema>>(properties: P, options: { description?: string } = {}) {
  return Type.Object(properties, { additionalProperties: false, ...options });
}

export const arrayOf = <T extends TSchema>(items: T) => Type.Array(items);

/**
 * A paging position (offset, before): past 2^53 - 1 a number is not exact in JS and SQLite refused
 * it as a datatype mismatch (a 500), so the schema says where the range ends (a 400 naming it).
 */
export const position = (minimum: number, options: { default?: number } = {}) => Type.Integer({ minimum, maximum: Number.MAX_SAFE_INTEGER, ...options });

export const errorSchema = object({ error: object({ code: str, message: str }) });

export const countsSchema = object({ total: int, changed: int, failed: int, skipped: int, corrective: int });

export const nodeSchema = object({
  certname: str,
  status: words(NODE_STATUSES),
  last_checkin_at: time,
  last_report_at: nullableTime,
  last_run_id: nullableStr,
  last_run_at: nullableTime,
  clock_skew_seconds: nullable(int, { description: "the latest run's agent clock minus the server's (start + duration vs receive time); flagged past ±60" }),
  last_run_status: nullable(str, { description: `the agent's status of the latest run: ${reportStatusWords.words.join(" | ")}` }),
  last_run_noop: nullableBool,
  last_run_duration_ms: nullableInt,
  catalog_digest: nullableStr,
  site_version: nullableStr,
  counts: nullable(countsSchema),
  corrective: nullableBool,
  failed: nullableBool,
  compile_failed_at: nullableTime,
  environment: nullable(str, { description: "from its last successful compile; null before one" }),
});
export type NodeJson = Static<typeof nodeSchema>;

export const problemSchema = object({ file: str, line: int, column: int, message: str });
const problemsSchema = arrayOf(problemSchema);

export const compileFailureSchema = object({ certname: str, site_version: str, at: time, problems: problemsSchema });
export type CompileFailureJson = Static<typeof compileFailureSchema>;

export const nodeDetailSchema = object({
  ...nodeSchema.properties,
  first_checkin_at: time,
  deactivated_at: nullableTime,
  facts: nullableObject,
  facts_updated_at: nullableTime,
  compile_failure: nullable(object({ site_version: str, at: time, problems: problemsSchema })),
});
export type NodeDetailJson = Static<typeof nodeDetailSchema>;

/** The words an enum of the report has in the API (proto/report-words.ts), for a description. */
const wordsOf = (table: { words: readonly string[] }): string => table.words.join(" | ");

export const reportSummarySchema = object({
  run_id: str,
  certname: str,
  status: Type.String({ description: `as the agent reported it: ${wordsOf(reportStatusWords)}` }),
  run_status: Type.String({ description: "what the run means for its node (failed, drifted, noop-pending, changed, unchanged)" }),
  noop: bool,
  catalog_digest: str,
  site_version: str,
  started_at: time,
  received_at: time,
  duration_ms: int,
  clock_skew_seconds: Type.Integer({ description: "the agent's clock minus the server's, as far as this report tells" }),
  counts: countsSchema,
  has_changes: bool,
  has_corrective: bool,
  has_failed_event: bool,
  has_pending_noop: bool,
});
export type ReportSummaryJson = Static<typeof reportSummarySchema>;

export const eventSchema = object({
  resource: str,
  property: str,
  desired: str,
  actual: str,
  result: Type.String({ description: wordsOf(eventResultWords) }),
  corrective: bool,
  message: str,
  diff: Type.String({ description: "unified diff of a file's content; empty when none (or redacted)" }),
});
export type EventJson = Static<typeof eventSchema>;

/** A report as protobuf JSON (ancla.v1.Report): camelCase, zero values left out, its enums as the API's words. */
export const protoReportSchema = Type.Unsafe<unknown>({
  type: "object",
  additionalProperties: true,
  description: `ancla.v1.Report in protobuf JSON form, its enums as words: status ${wordsOf(reportStatusWords)}; events[].result ${wordsOf(eventResultWords)}; logs[].level ${wordsOf(logLevelWords)}`,
});

export const catalogSchema = object({
  certname: str,
  serial: int,
  digest: str,
  site_version: str,
  compiled_at: time,
  expires_at: time,
  resources: arrayOf(
    object({
      ref: str,
      type: str,
      title: str,
      properties: Type.Unsafe<Record<string, unknown>>({ ...anyObject, description: "as a person may see them: file content by digest, sensitive values redacted" }),
    }),
  ),
  edges: arrayOf(object({ from: str, to: str, kind: str })),
});
export type CatalogJson = Static<typeof catalogSchema>;

const errorKindsSchema = object({ timeout: int, refused: int, status: int, body: int });
export const nodeProbesSchema = object({
  certname: str,
  from: time,
  to: time,
  probes: arrayOf(
    object({
      probe: str,
      target: nullable(str, { description: "what it checks; null when the current catalog no longer declares it" }),
      every_seconds: nullableNum,
      count: int,
      errors: errorKindsSchema,
      error_rate: nullable(num, { description: "errors ÷ attempts; null without attempts" }),
      p50_ms: nullableNum,
      p95_ms: nullableNum,
      p99_ms: nullableNum,
      series: arrayOf(object({ at: time, count: int, errors: int, p95_ms: nullableNum })),
    }),
  ),
});
export type NodeProbesJson = Static<typeof nodeProbesSchema>;

export const certSchema = object({
  certname: str,
  state: str,
  status: Type.String({ description: "the state as shown: pending, pending renewal, signed, expired, revoked, rejected" }),
  public_key_sha256: str,
  public_key_fingerprint: Type.String({ description: '"SHA256:AB:CD:…", as the waiting agent prints it' }),
  serial: nullableStr,
  not_after: nullableTime,
  requested_at: time,
  signed_at: nullableTime,
  revoked_at: nullableTime,
  rejected_at: nullableTime,
  renewal_of: nullable(str, { description: "a waiting renewal: the serial of the expired certificate whose key asks again" }),
});
export type CertJson = Static<typeof certSchema>;

export const auditEntrySchema = object({ id: int, at: time, actor: str, action: str, target: str, detail: anyObject });
export type AuditEntryJson = Static<typeof auditEntrySchema>;

export const certnameParams = object({ certname: Type.String({ minLength: 1 }) });
export const idParams = object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

/** The nodes list's query: the API's, the dashboard's fleet page's and `ancla nodes`' sort keys are NODE_SORTS. */
export const nodeSortSchema = words(NODE_SORTS, { default: "certname" });

/** Response schemas for a route: 200 (or `code`) and the error shape for everything else. */
export function responses<T extends TSchema, C extends number = 200>(ok: T, code: C = 200 as C) {
  return { [code]: ok, "4xx": errorSchema, "5xx": errorSchema } as { [K in C]: T } & { "4xx": typeof errorSchema; "5xx": typeof errorSchema };
}
