// The provider contract (after mgmt's CheckApply): one function answers "is it
// right?" and, only when asked, makes it right. Noop and apply share the same
// code path, so what a noop run reports is what a real run would do.
import type { JsonValue, Resource } from "../../catalog/model.js";
import { AnclaError, type AnclaErrorCode } from "../../core/errors.js";
import type { LogLevel } from "../../proto/gen/ancla/v1/agent_pb.js";
import type { ContentBucket } from "../state/bucket.js";
import type { StagedWrites } from "../state/write-batch.js";

export interface ProviderContext {
  /** Content named by SHA-256 in the catalog. The provider verifies the digest itself. */
  fetchContent(sha256: string): Promise<Uint8Array>;
  /** Aborted when the resource's time is up: stop, and kill what was started (see command.ts). */
  signal: AbortSignal;
  /** A noop run: nothing may change, not even ahead of its turn. */
  noop: boolean;
  /** Resources really changed so far in this run, in order (e.g. a unit file, so services daemon-reload). */
  changed: readonly Resource[];
  /**
   * Whether `ref` may be changed now, ahead of its turn: it is not noop and all
   * it requires already succeeded. Lets a provider batch (one apt call for
   * every package that is ready) without breaking the order the site asked for.
   */
  mayApplyNow(ref: string): boolean;
  /**
   * In a check that does not apply (noop): whether `ref` is something this
   * resource requires (directly or by autorequire) that this run would change
   * first but did not, such as a user it would create. What needs it (the
   * user's id) is then pending, reported as a change, not a failure.
   */
  pending?(ref: string): boolean;
  /** Where replaced and removed file contents are kept (none in tests that do not ask for one). */
  bucket?: ContentBucket;
  /**
   * Content by digest as chunks from byte `offset` on: content too large to
   * hold in memory (an image) goes to disk as it arrives, and a download cut
   * short resumes from what is already there. The provider verifies the digest.
   */
  streamContent?(sha256: string, offset: number): AsyncIterable<Uint8Array>;
  /** The agent's state dir: a provider keeps what must outlive a run under `<stateDir>/<type>/`. Absent when the caller keeps no state. */
  stateDir?: string;
  /** A line in the run's log under this resource's ref, as it happens (an image's steps). */
  log?(level: LogLevel.INFO | LogLevel.WARNING, message: string): void;
  /**
   * Refreshes now, ahead of their turn, the resources this one notifies and
   * that are ready (all else they require succeeded): an image restarts what
   * runs from it before its health check, and again after switching back.
   * Those are then not refreshed again for this resource in this run. Throws
   * when a refresh fails. (The engine gives this, streamContent and log to
   * every call; a provider called on its own, as in a unit test, may lack them.)
   */
  refreshNotified?(): Promise<void>;
  /**
   * Where a provider that stages its writes (Provider.stagesWrites) puts them:
   * they become visible, and durable, when the engine commits the run's batch,
   * before anything that is not a staged write runs. Absent: write at once.
   */
  writes?: StagedWrites;
}

/** One property that is not as desired. Values are what reports show (e.g. "sha256:<hex>" for content). */
export interface PropertyChange {
  property: string;
  desired: JsonValue;
  actual: JsonValue;
  /** What happened, for the report (e.g. a command's output); redacted with the values when sensitive. */
  message?: string;
  /** A unified diff of a content change (old → new), bounded; dropped when the resource is sensitive. */
  diff?: string;
  /** The ref this change is about when it is not the resource itself (a path purged beneath a directory). */
  resource?: string;
}

/** A property the provider cannot observe or decide here without acting (e.g. a service where systemd is not running). */
export interface UnknownProperty {
  property: string;
  desired: JsonValue;
  reason: string;
}

export interface CheckResult {
  /** Empty when the resource is in sync. */
  changes: PropertyChange[];
  /** True when the changes were made (checkApply was called with apply = true and there were changes). */
  applied: boolean;
  /** Reported as "unknown": neither in sync nor failed, and never guessed. */
  unknown?: UnknownProperty[];
}

/** What a refresh did, for the report; `unknown` when it could not be done here (and why). */
export interface RefreshResult {
  message: string;
  unknown?: boolean;
}

export interface Provider {
  /** Compare the host with `resource`; when `apply` is true, also make it so. Throws on failure. */
  checkApply(resource: Resource, apply: boolean, ctx: ProviderContext): Promise<CheckResult>;
  /** React to a notify from a changed resource (e.g. restart a service). */
  refresh?(resource: Resource, ctx: ProviderContext): Promise<RefreshResult | undefined>;
  /**
   * Called once per run, before anything is applied, with every resource of
   * this type: read the host's state in bulk (one dpkg status read, one
   * systemctl call) and answer the provider to use for this run, which may
   * hold that state and batch its changes.
   */
  prepare?(resources: readonly Resource[], ctx: ProviderContext): Promise<Provider>;
  /** Seconds this resource may take (checkApply or refresh); 0: no limit. Undefined: the engine's default. */
  timeoutSeconds?(resource: Resource): number | undefined;
  /**
   * Refs this resource requires whenever they are in the catalog, without the site
   * saying so (Puppet's autorequire); `isManaged` tells which refs are in the catalog.
   */
  autorequire?(resource: Resource, isManaged: (ref: string) => boolean): string[];
  /**
   * Whether this resource's check may run while staged writes wait for their
   * commit (ProviderContext.writes): it neither reads what they write nor
   * needs it in place. Undefined or false: the engine commits first.
   */
  stagesWrites?(resource: Resource): boolean;
}

/** A failure a provider can pin on one property, so the report says what could not be done. */
export class ResourceFailure extends AnclaError {
  constructor(
    readonly property: string,
    detail: string,
    code: AnclaErrorCode = "ANCLA_E_RESOURCE_FAILED",
    options?: { cause?: unknown },
  ) {
    super(code, detail, options);
    this.name = "ResourceFailure";
  }
}
