// Converges a host to a catalog: resources in dependency order, each through
// its provider's checkApply (apply = false in noop, so noop reports exactly
// what a real run would do), dependents of a failure skipped, refreshes
// delivered to notified resources, every change classified as drift or intent.
// Before the first resource, each provider type may prepare (read the host in
// bulk, plan a batch); every provider call runs under a timeout.
import { resourceRef, type Catalog, type Resource } from "../../catalog/model.js";
import { create } from "@bufbuild/protobuf";
import { LogLevel, ResourceTimingSchema, ReportStatus, type Event, type LogLine, type ResourceCounts, type ResourceTiming } from "../../proto/gen/ancla/v1/agent_pb.js";
import { isAnclaError, type AnclaErrorCode } from "../../core/errors.js";
import { ResourceFailure, type Provider, type ProviderContext, type RefreshResult } from "../providers/provider.js";
import { providerFor } from "../providers/registry.js";
import type { ContentBucket } from "../state/bucket.js";
import { WriteBatch } from "../state/write-batch.js";
import { desiredDigest, isCorrective, nextMemory, type DesiredMemory } from "./drift.js";
import { resolveSecrets } from "./secrets.js";
import { buildGraph, type GraphNode } from "./graph.js";
import { RunRecord } from "./record.js";

export interface ApplyContext {
  /** Report what would change, change nothing. */
  noop: boolean;
  /** Content named by SHA-256 in the catalog (from the server, or a local store when masterless). */
  fetchContent(sha256: string): Promise<Uint8Array>;
  /** Desired-state digests from earlier runs, for drift classification. */
  memory: DesiredMemory;
  /** Receives every log line as it happens (the run's own output). */
  log?: (line: LogLine) => void;
  /** The provider table; defaults to the registry. Tests substitute their own kinds. */
  providers?: (type: string) => Provider | undefined;
  /** Seconds a provider call may take when its provider does not say (exec does). */
  defaultTimeoutSeconds?: number;
  /** Where files keep the content they replace (the agent's <state>/bucket); none: nothing is kept. */
  bucket?: ContentBucket;
  /** Content by digest from a byte offset on (resumable downloads); default: fetchContent, sliced. */
  streamContent?(sha256: string, offset: number): AsyncIterable<Uint8Array>;
  /** The agent's state dir, where providers keep state across runs (an image's journal); none: providers that need it fail. */
  stateDir?: string;
  /** The node's private key (PEM), which opens the catalog's secrets; none: resources that use one fail. */
  nodeKeyPem?: string;
}

/** Generous: one call may be a batched apt install of every package in the catalog. */
export const DEFAULT_TIMEOUT_SECONDS = 900;

export interface ApplyOutcome {
  /** NOOP: nothing was changed but changes are pending (a noop run, or resources flagged noop). */
  status: ReportStatus;
  events: Event[];
  logs: LogLine[];
  /** Resources: changed and corrective count changes made, so a noop run counts none. */
  counts: ResourceCounts;
  /** The memory to keep for the next run (unchanged after a noop run). */
  memory: DesiredMemory;
  /** Wall time of each evaluated resource (check, apply, refresh), in catalog order. */
  timings: ResourceTiming[];
}

type NodeOutcome = "ok" | "failed" | "skipped";

export async function applyCatalog(catalog: Catalog, ctx: ApplyContext): Promise<ApplyOutcome> {
  const { resources, original } = await resolveSecrets(catalog, ctx.nodeKeyPem);
  const run = new Run(resources === catalog.resources ? catalog : { ...catalog, resources }, ctx, original);
  await run.converge();
  return run.outcome();
}

/** A provider type whose prepare failed: every resource of it fails with this. */
class PrepareFailure {
  constructor(readonly message: string) {}
}

class Run {
  private readonly record: RunRecord;
  private readonly baseProviderFor: (type: string) => Provider | undefined;
  /** Per type: the provider prepared for this run, or why it could not be. */
  private readonly prepared = new Map<string, Provider | PrepareFailure>();
  private readonly nodes = new Map<string, GraphNode>();
  private readonly outcomes = new Map<string, NodeOutcome>();
  /** ref → digest of resources that ended this run in sync. */
  private readonly inSync = new Map<string, string>();
  /** Notified ref → the changed resources that notified it (or would have, in noop). */
  private readonly refreshes = new Map<string, { from: string[]; noop: boolean }>();
  /** "from\0to" pairs whose refresh `from` delivered ahead of `to`'s turn (ProviderContext.refreshNotified). */
  private readonly refreshedEarly = new Set<string>();
  /** Resources really changed so far, for ProviderContext.changed. */
  private readonly changed: Resource[] = [];
  private noopPending = false;
  /** Refs with changes this run would make but did not (noop), for ProviderContext.pending. */
  private readonly pending = new Set<string>();
  /** Milliseconds per evaluated node, by catalog index. */
  private readonly durations: { index: number; ref: string; ms: number }[] = [];
  /** File writes staged by resources evaluated since the last commit (see mayStage). */
  private readonly writes = new WriteBatch();

  constructor(
    private readonly catalog: Catalog,
    private readonly ctx: ApplyContext,
    /** The catalog's own resource behind each copy with its secrets in place: what drift memory digests. */
    private readonly original: WeakMap<Resource, Resource>,
  ) {
    this.record = new RunRecord(catalog.resources.length, ctx.log);
    this.baseProviderFor = ctx.providers ?? providerFor;
  }

  async converge(): Promise<void> {
    const graph = buildGraph(this.catalog.resources, this.catalog.edges, (resource, isManaged) => this.baseProviderFor(resource.type)?.autorequire?.(resource, isManaged) ?? []);
    for (const node of graph.order) if (!node.duplicate) this.nodes.set(node.ref, node);
    this.record.log(LogLevel.INFO, `applying catalog serial ${this.catalog.serial} (${this.catalog.resources.length} resources)${this.ctx.noop ? " in noop mode" : ""}`);
    await this.prepareProviders();
    for (const node of graph.order) {
      if (this.writes.size > 0 && !this.mayStage(node)) this.commitWrites();
      const started = performance.now();
      const outcome = await this.evaluate(node);
      // Dependents of a ref wait on its first declaration, never on a duplicate.
      if (!node.duplicate) this.outcomes.set(node.ref, outcome);
      const ms = performance.now() - started;
      this.durations.push({ index: node.index, ref: node.ref, ms });
      this.record.log(LogLevel.DEBUG, `${node.ref}: ${outcome} in ${ms.toFixed(1)} ms`);
    }
    this.commitWrites();
  }

  /**
   * Whether `node` may run while staged writes wait: its provider says its check
   * neither reads them nor needs them in place, and nothing it requires has a
   * write waiting (so what it builds on is in place, and known to have succeeded).
   */
  private mayStage(node: GraphNode): boolean {
    if (this.ctx.noop || node.problem) return false;
    const provider = this.providerFor(node.resource.type);
    if (!provider || provider instanceof PrepareFailure || provider.stagesWrites?.(node.resource) !== true) return false;
    return !node.requires.some((dep) => this.writes.holds(dep.ref));
  }

  /** Staged writes made durable and visible; a resource whose write did not make it is failed after all. */
  private commitWrites(): void {
    const count = this.writes.size;
    if (count === 0) return;
    const started = performance.now();
    for (const failure of this.writes.commit()) {
      this.record.changeFailed(failure.owner, "content", failure.message, "ANCLA_E_RESOURCE_FAILED");
      this.outcomes.set(failure.owner, "failed");
      this.inSync.delete(failure.owner);
      const at = this.changed.findIndex((r) => resourceRef(r) === failure.owner);
      if (at >= 0) this.changed.splice(at, 1);
    }
    this.record.log(LogLevel.DEBUG, `committed ${count} staged writes in ${(performance.now() - started).toFixed(1)} ms`);
  }

  /** One prepare per type, in the order the types first appear. */
  private async prepareProviders(): Promise<void> {
    const byType = new Map<string, Resource[]>();
    for (const resource of this.catalog.resources) {
      const list = byType.get(resource.type);
      if (list) list.push(resource);
      else byType.set(resource.type, [resource]);
    }
    for (const [type, resources] of byType) {
      const provider = this.baseProviderFor(type);
      if (!provider?.prepare) continue;
      const started = performance.now();
      try {
        this.prepared.set(type, await this.withTimeout(undefined, undefined, (ctx) => provider.prepare!(resources, ctx)));
        this.record.log(LogLevel.DEBUG, `${type}: prepared ${resources.length} resources in ${(performance.now() - started).toFixed(1)} ms`);
      } catch (err) {
        this.prepared.set(type, new PrepareFailure(`preparing ${type} resources failed: ${errorMessage(err)}`));
      }
    }
  }

  private providerFor(type: string): Provider | PrepareFailure | undefined {
    return this.prepared.get(type) ?? this.baseProviderFor(type);
  }

  /**
   * Runs one provider call (for `node`, or a whole type's prepare) with a fresh
   * context whose signal aborts after `timeout` seconds (undefined: the default; 0: none).
   */
  private async withTimeout<T>(node: GraphNode | undefined, timeout: number | undefined, call: (ctx: ProviderContext) => Promise<T>): Promise<T> {
    const seconds = timeout ?? this.ctx.defaultTimeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
    const controller = new AbortController();
    const ctx: ProviderContext = {
      fetchContent: (sha256) => this.ctx.fetchContent(sha256),
      streamContent: (sha256, offset) => (this.ctx.streamContent ? this.ctx.streamContent(sha256, offset) : sliced(this.ctx.fetchContent(sha256), offset)),
      signal: controller.signal,
      noop: this.ctx.noop,
      changed: this.changed,
      mayApplyNow: (ref) => this.mayApplyNow(ref),
      pending: (ref) => node !== undefined && this.isPendingFor(node, ref),
      bucket: this.ctx.bucket,
      stateDir: this.ctx.stateDir,
      log: (level, message) => this.record.log(level, node ? `${node.ref}: ${message}` : message),
      refreshNotified: () => (node ? this.refreshNotified(node, ctx) : Promise.reject(new Error("refreshNotified is for a resource's own checkApply"))),
      writes: node && this.mayStage(node) ? this.writes.for(node.ref) : undefined,
    };
    if (seconds === 0) return call(ctx);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new ResourceFailure("", `timed out after ${seconds} s`));
      }, seconds * 1000);
    });
    try {
      // The engine stops waiting at the deadline; providers kill their children on the signal.
      return await Promise.race([call(ctx), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  private mayApplyNow(ref: string): boolean {
    const node = this.nodes.get(ref);
    if (!node || node.problem || this.ctx.noop || node.resource.noop === true || this.outcomes.has(ref)) return false;
    return node.requires.every((dep) => this.outcomes.get(dep.ref) === "ok");
  }

  /** A resource that applies finds its prerequisites made (or failed): nothing is pending for it. */
  private isPendingFor(node: GraphNode, ref: string): boolean {
    const applies = !this.ctx.noop && node.resource.noop !== true;
    return !applies && this.pending.has(ref) && node.requires.some((dep) => dep.ref === ref);
  }

  outcome(): ApplyOutcome {
    const { events, logs, counts } = this.record;
    const memory = this.ctx.noop ? this.ctx.memory : nextMemory(this.ctx.memory, this.catalog.resources.map(resourceRef), this.inSync);
    return { status: this.status(), events, logs, counts, memory, timings: this.timings() };
  }

  /** Apply order is dependency order; reports list resources as the catalog does. */
  private timings(): ResourceTiming[] {
    return [...this.durations].sort((a, b) => a.index - b.index).map(({ ref, ms }) => create(ResourceTimingSchema, { resource: ref, durationMs: Math.round(ms) }));
  }

  private status(): ReportStatus {
    if (this.record.counts.failed > 0) return ReportStatus.FAILED;
    if (this.record.counts.changed > 0) return ReportStatus.CHANGED;
    return this.noopPending ? ReportStatus.NOOP : ReportStatus.UNCHANGED;
  }

  private async evaluate(node: GraphNode): Promise<NodeOutcome> {
    if (node.problem) return this.fail(node, "", node.problem, "ANCLA_E_RESOURCE_FAILED");
    const { blocked } = node.resource;
    if (blocked) return this.fail(node, "", blocked, this.original.has(node.resource) ? "ANCLA_E_SECRET_UNREADABLE" : "ANCLA_E_SECRET_MISSING");
    const blocker = node.requires.find((dep) => this.outcomes.get(dep.ref) !== "ok");
    if (blocker) {
      const why = this.outcomes.get(blocker.ref) === "skipped" ? "was skipped" : "failed";
      this.record.skipped(node.ref, `skipped because ${blocker.ref} ${why}`);
      return "skipped";
    }
    const provider = this.providerFor(node.resource.type);
    if (!provider) return this.fail(node, "", `this agent has no provider for resource type "${node.resource.type}"`, "ANCLA_E_RESOURCE_FAILED");
    if (provider instanceof PrepareFailure) return this.fail(node, "", provider.message, "ANCLA_E_RESOURCE_FAILED");
    const timeout = provider.timeoutSeconds?.(node.resource);
    try {
      const applied = await this.withTimeout(node, timeout, (ctx) => this.checkApply(node, provider, ctx));
      await this.withTimeout(node, timeout, (ctx) => this.deliverRefresh(node, provider, ctx, applied));
      return "ok";
    } catch (err) {
      const property = err instanceof ResourceFailure ? err.property : "";
      return this.fail(node, property, errorMessage(err), isAnclaError(err) ? err.code : "ANCLA_E_RESOURCE_FAILED");
    }
  }

  /** True when changes were made. */
  private async checkApply(node: GraphNode, provider: Provider, ctx: ProviderContext): Promise<boolean> {
    const { resource, ref } = node;
    const noop = this.ctx.noop || resource.noop === true;
    const digest = desiredDigest(this.original.get(resource) ?? resource);
    const { changes, applied, unknown = [] } = await provider.checkApply(resource, !noop, ctx);
    const sensitive = resource.sensitive === true;
    if (unknown.length > 0) this.record.unknown(ref, unknown, sensitive);
    // An unknown property is not known to be in sync: the memory keeps what it had.
    if ((changes.length === 0 || applied) && unknown.length === 0) this.inSync.set(ref, digest);
    if (changes.length === 0) return false;
    const corrective = isCorrective(this.ctx.memory, resource, digest);
    this.record.changes(ref, changes, { sensitive, corrective, noop: !applied });
    if (applied) this.changed.push(resource);
    else {
      this.noopPending = true;
      this.pending.add(ref);
    }
    for (const target of node.notifies) {
      if (this.refreshedEarly.has(`${ref}\0${target}`)) continue;
      const pending = this.refreshes.get(target) ?? { from: [], noop: true };
      pending.from.push(ref);
      // A refresh is real as soon as one notifier really changed.
      pending.noop &&= !applied;
      this.refreshes.set(target, pending);
    }
    return applied;
  }

  /** Once per run, after the resource's own checkApply, whoever notified it. */
  private async deliverRefresh(node: GraphNode, provider: Provider, ctx: ProviderContext, changedItself: boolean): Promise<void> {
    const pending = this.refreshes.get(node.ref);
    if (!pending) return;
    const by = `notified by ${pending.from.join(", ")}`;
    if (pending.noop || this.ctx.noop || node.resource.noop === true) {
      this.record.log(LogLevel.INFO, `${node.ref}: would refresh (${by}, noop)`);
      return;
    }
    await this.refreshOne(node, provider, ctx, by, changedItself);
  }

  /** A refresh through the provider, recorded; `counted`: the resource is already counted as changed. */
  private async refreshOne(node: GraphNode, provider: Provider, ctx: ProviderContext, by: string, counted: boolean): Promise<void> {
    if (!provider.refresh) {
      this.record.log(LogLevel.DEBUG, `${node.ref}: ${node.resource.type} has no refresh action; ignoring (${by})`);
      return;
    }
    let result: RefreshResult | undefined;
    try {
      result = await provider.refresh(node.resource, ctx);
    } catch (err) {
      throw new ResourceFailure("refresh", `refresh failed: ${errorMessage(err)}`, "ANCLA_E_RESOURCE_FAILED", { cause: err });
    }
    const unknown = result?.unknown === true;
    const message = result?.message ? `${result.message} (${by})` : `refreshed (${by})`;
    this.record.refreshed(node.ref, message, { sensitive: node.resource.sensitive === true, unknown, counted });
    this.record.log(unknown ? LogLevel.WARNING : LogLevel.INFO, `${node.ref}: ${unknown ? `refresh unknown: ${message}` : `refreshed (${by})`}`);
  }

  /**
   * ProviderContext.refreshNotified: `from` refreshes what it notifies now, in
   * the context of its own call (its timeout). A target that is not ready (it
   * requires something not yet applied, or failed) keeps its refresh for its turn.
   */
  private async refreshNotified(from: GraphNode, ctx: ProviderContext): Promise<void> {
    if (this.ctx.noop || from.resource.noop === true) return;
    for (const ref of from.notifies) {
      const target = this.nodes.get(ref)!;
      const provider = this.providerFor(target.resource.type);
      const waiting = target.requires.find((dep) => dep.ref !== from.ref && this.outcomes.get(dep.ref) !== "ok");
      if (target.problem || target.resource.noop === true || !provider || provider instanceof PrepareFailure || waiting) {
        this.record.log(
          LogLevel.WARNING,
          `${ref}: not refreshed ahead of its turn for ${from.ref}${waiting ? ` (it requires ${waiting.ref}, not applied yet)` : ""}; it is refreshed when its turn comes`,
        );
        continue;
      }
      const key = `${from.ref}\0${ref}`;
      // However often `from` asks (switch, then switch back), the target counts as changed once.
      const counted = this.refreshedEarly.has(key);
      this.refreshedEarly.add(key);
      await this.refreshOne(target, provider, ctx, `notified by ${from.ref}`, counted);
    }
  }

  private fail(node: GraphNode, property: string, message: string, code: AnclaErrorCode): NodeOutcome {
    this.record.failed(node.ref, property, message, code);
    return "failed";
  }
}

/** A stream from whole content, for callers that have only fetchContent (masterless contents, tests). */
async function* sliced(whole: Promise<Uint8Array>, offset: number): AsyncIterable<Uint8Array> {
  const data = await whole;
  if (offset < data.length) yield data.subarray(offset);
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
