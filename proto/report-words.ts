// The one mapping between the report's enums (ancla.v1 ReportStatus,
// EventResult, LogLevel: what the wire carries) and the words the store, the
// HTTP API, the dashboard and both CLIs have always used. The words stay so
// that stored reports, the JSON API and queued reports need no migration;
// the enums make a misspelt level ("err", "warn") impossible to send.
import { fromJson, toJson, type JsonObject, type JsonReadOptions, type JsonValue } from "@bufbuild/protobuf";
import { EventResult, LogLevel, ReportSchema, ReportStatus, type Report } from "./gen/ancla/v1/agent_pb.js";

/** One enum's words both ways. UNSPECIFIED (0) is the empty word, as an unset string field was. */
export interface Words<E extends number, W extends string> {
  /** Every word, in the enum's order (for JSON schemas and help texts). */
  readonly words: readonly W[];
  word(value: E): W | "";
  /** UNSPECIFIED for a word it does not know: a stored report is shown, never refused. */
  value(word: string): E;
}

function words<E extends number, W extends string>(table: Record<W, E>, aliases: Record<string, E> = {}): Words<E, W> {
  const list = Object.keys(table) as W[];
  const byValue = new Map<number, W>(list.map((w) => [table[w], w]));
  const byWord = new Map<string, E>([...Object.entries<E>(aliases), ...list.map((w): [string, E] => [w, table[w]])]);
  return {
    words: list,
    word: (value) => byValue.get(value) ?? "",
    value: (word) => byWord.get(word) ?? (0 as E),
  };
}

export type ReportStatusWord = "changed" | "unchanged" | "failed" | "noop";
export type EventResultWord = "changed" | "failed" | "skipped" | "noop" | "unknown";
export type LogLevelWord = "debug" | "info" | "warning" | "error";

export const reportStatusWords = words<ReportStatus, ReportStatusWord>({
  changed: ReportStatus.CHANGED,
  unchanged: ReportStatus.UNCHANGED,
  failed: ReportStatus.FAILED,
  noop: ReportStatus.NOOP,
});

export const eventResultWords = words<EventResult, EventResultWord>({
  changed: EventResult.CHANGED,
  failed: EventResult.FAILED,
  skipped: EventResult.SKIPPED,
  noop: EventResult.NOOP,
  unknown: EventResult.UNKNOWN,
});

// Agents before the enum wrote "err" for a run's own failures: reports stored and queued then still hold it.
export const logLevelWords = words<LogLevel, LogLevelWord>({ debug: LogLevel.DEBUG, info: LogLevel.INFO, warning: LogLevel.WARNING, error: LogLevel.ERROR }, { err: LogLevel.ERROR });

/**
 * A report as an agent from before the enums sent it (words in the legacy
 * fields) in today's form, in place: the enums filled from the words where
 * unspecified, the legacy fields emptied so nothing downstream sees them.
 */
export function upgradeLegacyReport(report: Report): Report {
  if (report.status === ReportStatus.UNSPECIFIED) report.status = reportStatusWords.value(report.legacyStatus);
  report.legacyStatus = "";
  for (const e of report.events) {
    if (e.result === EventResult.UNSPECIFIED) e.result = eventResultWords.value(e.legacyResult);
    e.legacyResult = "";
  }
  for (const l of report.logs) {
    if (l.level === LogLevel.UNSPECIFIED) l.level = logLevelWords.value(l.legacyLevel);
    l.legacyLevel = "";
  }
  return report;
}

/**
 * A log line's message without its code in front: an agent's own error lines
 * hold "CODE: what happened (hint)" as their message, and whoever shows the
 * code beside the message would otherwise show it twice.
 */
export function messageAfterCode(line: { code: string; message: string }): string {
  return line.code && line.message.startsWith(`${line.code}: `) ? line.message.slice(line.code.length + 2) : line.message;
}

/** Warnings and errors: what a person reading a report must see. */
export function isProblem(level: LogLevel): boolean {
  return level === LogLevel.WARNING || level === LogLevel.ERROR;
}

/** Protobuf JSON with the enums as words (left out when unspecified, like any zero value). */
export function reportToJson(report: Report): JsonObject {
  const json = toJson(ReportSchema, report) as JsonObject;
  setWord(json, "status", reportStatusWords.word(report.status));
  listOf(json, "events").forEach((e, i) => {
    setWord(e, "result", eventResultWords.word(report.events[i].result));
  });
  listOf(json, "logs").forEach((l, i) => {
    setWord(l, "level", logLevelWords.word(report.logs[i].level));
  });
  return json;
}

/** The inverse of reportToJson; what is not a Report in that form throws, as fromJson does. */
export function reportFromJson(json: JsonValue, options?: Partial<JsonReadOptions>): Report {
  if (!isObject(json)) return fromJson(ReportSchema, json, options);
  const r: JsonObject = { ...json };
  setValue(r, "status", reportStatusWords);
  if (Array.isArray(r.events)) r.events = r.events.map((e) => (isObject(e) ? setValue({ ...e }, "result", eventResultWords) : e));
  if (Array.isArray(r.logs)) r.logs = r.logs.map((l) => (isObject(l) ? setValue({ ...l }, "level", logLevelWords) : l));
  return fromJson(ReportSchema, r, options);
}

function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function listOf(json: JsonObject, key: string): JsonObject[] {
  const list = json[key];
  return Array.isArray(list) ? list.filter(isObject) : [];
}

function setWord(json: JsonObject, key: string, word: string): void {
  if (word) json[key] = word;
  else delete json[key];
}

/** A word becomes its enum number, which fromJson takes; what is not a string is left for fromJson to judge. */
function setValue(json: JsonObject, key: string, table: Words<number, string>): JsonObject {
  const word = json[key];
  if (typeof word === "string") json[key] = table.value(word);
  return json;
}
