// Converges a host to a catalog: resources in dependency order, each through
// its provider's checkApply (apply = false in noop, so noop reports exactly
// what a real run would do), dependents of a failure skipped, refreshes
// delivered to notified resources, every change classified as drift or intent.
import { resourceRef, type Catalog } from "../../catalog/model.js";
import type { Event, LogLine, ResourceCounts } from "../../proto/gen/ancla/v1/agent_pb.js";
import { isAnclaError, type AnclaErrorCode } from "../../proto/errors.js";
import { ResourceFailure, type Provider, type ProviderContext } from "../providers/provider.js";
import { providerFor } from "../providers/registry.js";
import { desiredDigest, isCorrective, nextMemory, type DesiredMemory } from "./drift.js";
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
}

/** "noop": nothing was changed but changes are pending (a noop run, or resources flagged noop). */
export type ApplyStatus = "changed" | "unchanged" | "failed" | "noop";

export interface ApplyOutcome {
  status: ApplyStatus;
  events: Event[];
  logs: LogLine[];
  /** Resources: changed and corrective count changes made, so a noop run counts none. */
  counts: ResourceCounts;
  /** The memory to keep for the next run (unchanged after a noop run). */
  memory: DesiredMemory;
}

type NodeOutcome = "ok" | "failed" | "skipped";

export async function applyCatalog(catalog: Catalog, ctx: ApplyContext): Promise<ApplyOutcome> {
  const run = new Run(catalog, ctx);
  await run.converge();
  return run.outcome();
}

class Run {
  private readonly record: RunRecord;
  private readonly providerCtx: ProviderContext;
  private readonly providerFor: (type: string) => Provider | undefined;
  private readonly outcomes = new Map<string, NodeOutcome>();
  /** ref → digest of resources that ended this run in sync. */
  private readonly inSync = new Map<string, string>();
  /** Notified ref → the changed resources that notified it (or would have, in noop). */
  private readonly refreshes = new Map<string, { from: string[]; noop: boolean }>();
  private noopPending = false;

  constructor(
    private readonly catalog: Catalog,
    private readonly ctx: ApplyContext,
  ) {
    this.record = new RunRecord(catalog.resources.length, ctx.log);
    this.providerCtx = { fetchContent: (sha256) => ctx.fetchContent(sha256) };
    this.providerFor = ctx.providers ?? providerFor;
  }

  async converge(): Promise<void> {
    const graph = buildGraph(this.catalog.resources, this.catalog.edges, (resource, isManaged) =>
      this.providerFor(resource.type)?.autorequire?.(resource, isManaged) ?? [],
    );
    this.record.log("info", `applying catalog serial ${this.catalog.serial} (${this.catalog.resources.length} resources)${this.ctx.noop ? " in noop mode" : ""}`);
    for (const node of graph.order) {
      const started = performance.now();
      const outcome = await this.evaluate(node);
      // Dependents of a ref wait on its first declaration, never on a duplicate.
      if (!node.duplicate) this.outcomes.set(node.ref, outcome);
      this.record.log("debug", `${node.ref}: ${outcome} in ${(performance.now() - started).toFixed(1)} ms`);
    }
  }

  outcome(): ApplyOutcome {
    const { events, logs, counts } = this.record;
    const memory = this.ctx.noop ? this.ctx.memory : nextMemory(this.ctx.memory, this.catalog.resources.map(resourceRef), this.inSync);
    return { status: this.status(), events, logs, counts, memory };
  }

  private status(): ApplyStatus {
    if (this.record.counts.failed > 0) return "failed";
    if (this.record.counts.changed > 0) return "changed";
    return this.noopPending ? "noop" : "unchanged";
  }

  private async evaluate(node: GraphNode): Promise<NodeOutcome> {
    if (node.problem) return this.fail(node, "", node.problem, "ANCLA_E_RESOURCE_FAILED");
    const blocker = node.requires.find((dep) => this.outcomes.get(dep.ref) !== "ok");
    if (blocker) {
      const why = this.outcomes.get(blocker.ref) === "skipped" ? "was skipped" : "failed";
      this.record.skipped(node.ref, `skipped because ${blocker.ref} ${why}`);
      return "skipped";
    }
    const provider = this.providerFor(node.resource.type);
    if (!provider) return this.fail(node, "", `this agent has no provider for resource type "${node.resource.type}"`, "ANCLA_E_RESOURCE_FAILED");
    try {
      await this.checkApply(node, provider);
      await this.deliverRefresh(node, provider);
      return "ok";
    } catch (err) {
      const property = err instanceof ResourceFailure ? err.property : "";
      return this.fail(node, property, err instanceof Error ? err.message : String(err), isAnclaError(err) ? err.code : "ANCLA_E_RESOURCE_FAILED");
    }
  }

  private async checkApply(node: GraphNode, provider: Provider): Promise<void> {
    const { resource, ref } = node;
    const noop = this.ctx.noop || resource.noop === true;
    const digest = desiredDigest(resource);
    const { changes, applied } = await provider.checkApply(resource, !noop, this.providerCtx);
    if (changes.length === 0 || applied) this.inSync.set(ref, digest);
    if (changes.length === 0) return;
    const corrective = isCorrective(this.ctx.memory, ref, digest);
    this.record.changes(ref, changes, { sensitive: resource.sensitive === true, corrective, noop: !applied });
    if (!applied) this.noopPending = true;
    for (const target of node.notifies) {
      const pending = this.refreshes.get(target) ?? { from: [], noop: true };
      pending.from.push(ref);
      // A refresh is real as soon as one notifier really changed.
      pending.noop &&= !applied;
      this.refreshes.set(target, pending);
    }
  }

  /** Once per run, after the resource's own checkApply, whoever notified it. */
  private async deliverRefresh(node: GraphNode, provider: Provider): Promise<void> {
    const pending = this.refreshes.get(node.ref);
    if (!pending) return;
    const by = `notified by ${pending.from.join(", ")}`;
    if (pending.noop || this.ctx.noop || node.resource.noop === true) {
      this.record.log("info", `${node.ref}: would refresh (${by}, noop)`);
    } else if (!provider.refresh) {
      this.record.log("debug", `${node.ref}: ${node.resource.type} has no refresh action; ignoring (${by})`);
    } else {
      try {
        await provider.refresh(node.resource, this.providerCtx);
      } catch (err) {
        throw new ResourceFailure("refresh", `refresh failed: ${err instanceof Error ? err.message : String(err)}`, "ANCLA_E_RESOURCE_FAILED", { cause: err });
      }
      this.record.log("info", `${node.ref}: refreshed (${by})`);
    }
  }

  private fail(node: GraphNode, property: string, message: string, code: AnclaErrorCode): NodeOutcome {
    this.record.failed(node.ref, property, message, code);
    return "failed";
  }
}
