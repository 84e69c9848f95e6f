// JSON schemas of the API's shapes (views.ts builds the values). Fastify
// validates requests and serialises responses with them, and @fastify/swagger
// turns them into /api/v1/openapi.json, so the document cannot drift from the code.
import { eventResultWords, logLevelWords, reportStatusWords } from "../../proto/report-words.js";
import { NODE_STATUSES } from "../status.js";

const str = { type: "string" } as const;
const nullableStr = { type: ["string", "null"] } as const;
const time = { type: "string", format: "date-time" } as const;
const nullableTime = { type: ["string", "null"], format: "date-time" } as const;
const int = { type: "integer" } as const;
const bool = { type: "boolean" } as const;
const anyObject = { type: "object", additionalProperties: true } as const;

/** An object whose every listed property is always present (a response shape). */
export function object<P extends Record<string, unknown>>(properties: P) {
  return { type: "object", additionalProperties: false, required: Object.keys(properties), properties } as const;
}

/** A query string or body: every property optional unless listed in `required`, no others allowed (a typo is a 400). */
export function fields<P extends Record<string, unknown>>(properties: P, required: string[] = []) {
  return { type: "object", additionalProperties: false, required, properties } as const;
}

/**
 * A paging position (offset, before): past 2^53 - 1 a number is not exact in JS and SQLite refused
 * it as a datatype mismatch (a 500), so the schema says where the range ends (a 400 naming it).
 */
export const position = (minimum: number) => ({ type: "integer", minimum, maximum: Number.MAX_SAFE_INTEGER }) as const;

export const arrayOf = <T>(items: T) => ({ type: "array", items }) as const;

export const errorSchema = object({ error: object({ code: str, message: str }) });

export const countsSchema = object({ total: int, changed: int, failed: int, skipped: int, corrective: int });
const nullableCounts = { ...countsSchema, type: ["object", "null"] } as const;

export const nodeSchema = object({
  certname: str,
  status: { type: "string", enum: [...NODE_STATUSES] },
  last_checkin_at: time,
  last_report_at: nullableTime,
  last_run_id: nullableStr,
  last_run_at: nullableTime,
  clock_skew_seconds: { type: ["integer", "null"] },
  last_run_status: nullableStr,
  last_run_noop: { type: ["boolean", "null"] },
  last_run_duration_ms: { type: ["integer", "null"] },
  catalog_digest: nullableStr,
  site_version: nullableStr,
  counts: nullableCounts,
  corrective: { type: ["boolean", "null"] },
  failed: { type: ["boolean", "null"] },
  compile_failed_at: nullableTime,
  environment: nullableStr,
});

const problemsSchema = { type: "array", items: anyObject } as const;

export const compileFailureSchema = object({ certname: str, site_version: str, at: time, problems: problemsSchema });

export const nodeDetailSchema = object({
  ...nodeSchema.properties,
  first_checkin_at: time,
  deactivated_at: nullableTime,
  facts: { type: ["object", "null"], additionalProperties: true },
  facts_updated_at: nullableTime,
  compile_failure: { type: ["object", "null"], additionalProperties: false, required: ["site_version", "at", "problems"], properties: { site_version: str, at: time, problems: problemsSchema } },
});

/** The words an enum of the report has in the API (proto/report-words.ts), for a description. */
const wordsOf = (table: { words: readonly string[] }): string => table.words.join(" | ");

export const reportSummarySchema = object({
  run_id: str,
  certname: str,
  status: { type: "string", description: `as the agent reported it: ${wordsOf(reportStatusWords)}` },
  run_status: str,
  noop: bool,
  catalog_digest: str,
  site_version: str,
  started_at: time,
  received_at: time,
  duration_ms: int,
  clock_skew_seconds: int,
  counts: countsSchema,
  has_changes: bool,
  has_corrective: bool,
  has_failed_event: bool,
  has_pending_noop: bool,
});

export const eventSchema = object({
  resource: str,
  property: str,
  desired: str,
  actual: str,
  result: { type: "string", description: wordsOf(eventResultWords) },
  corrective: bool,
  message: str,
  diff: str,
});

/** A report as protobuf JSON (ancla.v1.Report): camelCase, zero values left out, its enums as the API's words. */
export const protoReportSchema = {
  ...anyObject,
  description:
    "ancla.v1.Report in protobuf JSON form, its enums as words: " + `status ${wordsOf(reportStatusWords)}; events[].result ${wordsOf(eventResultWords)}; logs[].level ${wordsOf(logLevelWords)}`,
} as const;

export const catalogSchema = object({
  certname: str,
  serial: int,
  digest: str,
  site_version: str,
  compiled_at: time,
  expires_at: time,
  resources: { type: "array", items: object({ ref: str, type: str, title: str, properties: anyObject }) },
  edges: { type: "array", items: object({ from: str, to: str, kind: str }) },
});

const msOrNull = { type: ["number", "null"] } as const;
const errorKindsSchema = object({ timeout: int, refused: int, status: int, body: int });
export const nodeProbesSchema = object({
  certname: str,
  from: time,
  to: time,
  probes: arrayOf(
    object({
      probe: str,
      target: { type: ["string", "null"], description: "what it checks; null when the current catalog no longer declares it" },
      every_seconds: { type: ["number", "null"] },
      count: int,
      errors: errorKindsSchema,
      error_rate: { ...msOrNull, description: "errors ÷ attempts; null without attempts" },
      p50_ms: msOrNull,
      p95_ms: msOrNull,
      p99_ms: msOrNull,
      series: arrayOf(object({ at: time, count: int, errors: int, p95_ms: msOrNull })),
    }),
  ),
});

export const certSchema = object({
  certname: str,
  state: str,
  status: str,
  public_key_sha256: str,
  public_key_fingerprint: str,
  serial: nullableStr,
  not_after: nullableTime,
  requested_at: time,
  signed_at: nullableTime,
  revoked_at: nullableTime,
  rejected_at: nullableTime,
  renewal_of: nullableStr,
});

export const auditEntrySchema = object({ id: int, at: time, actor: str, action: str, target: str, detail: anyObject });

export const certnameParams = fields({ certname: { type: "string", minLength: 1 } }, ["certname"]);

/** Response schemas for a route: 200 (or `code`) and the error shape for everything else. */
export function responses(ok: unknown, code = 200): Record<string, unknown> {
  return { [code]: ok, "4xx": errorSchema, "5xx": errorSchema };
}
