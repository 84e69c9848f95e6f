// What a run reports: events (one per property out of line, or one per
// failed/skipped resource), log lines and counts, as protobuf messages.
// Redaction happens here, in one place, so no path can leak a sensitive value.
import { create } from "@bufbuild/protobuf";
import type { JsonValue } from "../../catalog/model.js";
import { EventResult, EventSchema, LogLevel, LogLineSchema, ResourceCountsSchema, type Event, type LogLine, type ResourceCounts } from "../../proto/gen/ancla/v1/agent_pb.js";
import type { AnclaErrorCode } from "../../core/errors.js";
import type { PropertyChange, UnknownProperty } from "../providers/provider.js";

export const REDACTED = "[redacted]";

export interface ChangeFlags {
  sensitive: boolean;
  corrective: boolean;
  /** Reported only: the change was not made. */
  noop: boolean;
}

export class RunRecord {
  readonly events: Event[] = [];
  readonly logs: LogLine[] = [];
  readonly counts: ResourceCounts;

  constructor(
    total: number,
    private readonly sink?: (line: LogLine) => void,
  ) {
    this.counts = create(ResourceCountsSchema, { total });
  }

  log(level: LogLevel, message: string, code: AnclaErrorCode | "" = ""): void {
    const line = create(LogLineSchema, { time: new Date().toISOString(), level, message, code });
    this.logs.push(line);
    this.sink?.(line);
  }

  /** Counted once per resource changed, and once per path a change names of its own (purged paths). */
  changes(ref: string, changes: readonly PropertyChange[], flags: ChangeFlags): void {
    const result = flags.noop ? EventResult.NOOP : EventResult.CHANGED;
    const kind = flags.corrective ? "corrective" : "intentional";
    const subjects = new Set<string>();
    for (const change of changes) {
      const resource = change.resource ?? ref;
      subjects.add(resource);
      const desired = encode(change.desired, flags.sensitive);
      const actual = encode(change.actual, flags.sensitive);
      const message = change.message === undefined ? "" : flags.sensitive ? REDACTED : change.message;
      // A diff shows the content itself: a sensitive resource has none.
      const diff = flags.sensitive ? "" : (change.diff ?? "");
      this.events.push(create(EventSchema, { resource, property: change.property, desired, actual, result, corrective: flags.corrective, message, diff }));
      this.log(LogLevel.INFO, `${resource}: ${change.property} ${flags.noop ? "would change" : "changed"} from ${actual} to ${desired} (${kind}${flags.noop ? ", noop" : ""})`);
    }
    if (flags.noop) return;
    this.counts.changed += subjects.size;
    if (flags.corrective) this.counts.corrective += subjects.size;
  }

  /** Properties the provider could not decide here: reported, never guessed, never counted as changed or failed. */
  unknown(ref: string, items: readonly UnknownProperty[], sensitive: boolean): void {
    for (const item of items) {
      this.events.push(create(EventSchema, { resource: ref, property: item.property, desired: encode(item.desired, sensitive), result: EventResult.UNKNOWN, message: item.reason }));
      this.log(LogLevel.WARNING, `${ref}: ${item.property} unknown: ${item.reason}`);
    }
  }

  /**
   * A refresh (restart, re-run) is a change of its own, as in Puppet's reports;
   * the resource is counted once however many of its properties also changed.
   */
  refreshed(ref: string, message: string, flags: { sensitive: boolean; unknown: boolean; counted: boolean }): void {
    const result = flags.unknown ? EventResult.UNKNOWN : EventResult.CHANGED;
    this.events.push(create(EventSchema, { resource: ref, property: "refresh", result, message: flags.sensitive ? REDACTED : message }));
    if (!flags.unknown && !flags.counted) this.counts.changed++;
  }

  failed(ref: string, property: string, message: string, code: AnclaErrorCode): void {
    this.events.push(create(EventSchema, { resource: ref, property, result: EventResult.FAILED, message }));
    this.counts.failed++;
    this.log(LogLevel.ERROR, `${ref}: ${property ? `${property}: ` : ""}${message}`, code);
  }

  /**
   * A change recorded as made that did not take effect after all (a staged
   * write whose commit failed): its events say failed, and it counts as failed,
   * not changed.
   */
  changeFailed(ref: string, property: string, message: string, code: AnclaErrorCode): void {
    let counted = false;
    let corrective = false;
    for (const event of this.events) {
      if (event.resource !== ref || event.result !== EventResult.CHANGED) continue;
      event.result = EventResult.FAILED;
      counted = true;
      corrective ||= event.corrective;
    }
    if (counted) this.counts.changed--;
    if (counted && corrective) this.counts.corrective--;
    this.failed(ref, property, message, code);
  }

  skipped(ref: string, message: string): void {
    this.events.push(create(EventSchema, { resource: ref, result: EventResult.SKIPPED, message }));
    this.counts.skipped++;
    this.log(LogLevel.WARNING, `${ref}: ${message}`, "ANCLA_E_DEPENDENCY_FAILED");
  }
}

function encode(value: JsonValue, sensitive: boolean): string {
  return sensitive ? REDACTED : JSON.stringify(value);
}
