// Site compiles on worker threads, each with a time and a memory limit. A site
// can loop (nested Liquid loops, CEL `map()` in `map()`) or balloon; on the
// server's own thread that froze every agent and the API. Here it ends the one
// worker, whose node gets a site problem saying which limit it crossed, and a
// fresh worker takes its place.
import { availableParallelism } from "node:os";
import { extname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { CompileOptions, CompileResult, Facts, ReleaseAt, SiteCompiler } from "../../catalog/compile-seam.js";
import type { SecretDirectory, SecretEntry } from "../../catalog/secrets/directory.js";
import { siteVersion } from "../../catalog/site-version.js";
import { problemAtStart } from "../../catalog/site/yaml-file.js";

export interface CompileLimits {
  /** Compiles that run at once, each on its own thread. */
  compileWorkers: number;
  /** How long one node's compile may run (queueing not counted). */
  compileTimeoutMs: number;
  /** The heap one worker may use. */
  compileMemoryMb: number;
}

export const DEFAULT_COMPILE_LIMITS: CompileLimits = {
  // Two at least: one slow node must not make every other node's compile wait behind it.
  compileWorkers: Math.max(2, Math.min(4, availableParallelism() - 1)),
  compileTimeoutMs: 10_000,
  compileMemoryMb: 512,
};

export interface CompilePoolOptions extends CompileLimits {
  siteDir: string;
  /** The server's artifact store, which each worker opens for `artifact: NAME@VERSION`. */
  artifacts?: { databaseFile: string };
}

/** What a worker is started with. */
export interface CompileWorkerData {
  siteDir: string;
  artifacts?: { databaseFile: string };
}

export interface CompileRequest {
  certname: string;
  facts: Facts;
  /** A kept release to compile at; absent: the site as it is now. */
  at?: ReleaseAt;
  /** The secrets by digest; their list only when this worker has not been sent it yet. */
  secrets?: { digest: string; list?: readonly SecretEntry[] };
}

/** A worker's first message says it has loaded the compiler; each further one answers a request. */
export type CompileReply = { ready: true } | { result: CompileResult } | { error: string };

interface Job extends Omit<CompileRequest, "secrets"> {
  secrets?: SecretDirectory;
  resolve(result: CompileResult): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker;
  job?: Job;
  timer?: NodeJS.Timeout;
  /** Why the worker is ending, when the pool or the worker's heap ended it. */
  ending?: "timeout" | "memory" | "closed";
  crash?: Error;
  /** It has loaded the compiler and said so. */
  ready?: boolean;
  /** The digest of the secrets it was last sent. */
  secretsDigest?: string;
}

// The worker beside this file: compile-worker.ts under the test loader, .js once built.
const WORKER_URL = new URL(`./compile-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

export class CompilePool implements SiteCompiler {
  private readonly root: string;
  private readonly idle: Slot[] = [];
  private readonly queue: Job[] = [];
  private readonly slots = new Set<Slot>();
  private closed = false;

  constructor(private readonly options: CompilePoolOptions) {
    this.root = resolve(options.siteDir);
    // Started now, so that the first check-ins do not wait for threads to load the compiler.
    for (let i = 0; i < options.compileWorkers; i++) this.spawn();
  }

  /** Compiles running and waiting: for /metrics, and for whoever must know the pool is busy. */
  load(): { busy: number; queued: number } {
    let busy = 0;
    for (const slot of this.slots) if (slot.job) busy++;
    return { busy, queued: this.queue.length };
  }

  siteVersion(): Promise<string> {
    return siteVersion(this.root);
  }

  compile(certname: string, facts: Facts, { at, secrets }: CompileOptions = {}): Promise<CompileResult> {
    if (this.closed) return Promise.reject(new Error("the compile pool is closed"));
    return new Promise((resolve, reject) => {
      this.queue.push({ certname, facts, at, secrets, resolve, reject });
      this.dispatch();
    });
  }

  /** Ends every worker; compiles still queued are refused. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error("the server is stopping"));
    await Promise.all(
      [...this.slots].map((slot) => {
        slot.ending ??= "closed";
        return slot.worker.terminate();
      }),
    );
  }

  private dispatch(): void {
    // A worker ended by a limit is replaced when there is work; it joins `idle` once loaded.
    if (this.queue.length > 0 && this.idle.length === 0 && this.slots.size < this.options.compileWorkers) this.spawn();
    while (this.queue.length > 0 && this.idle.length > 0) this.run(this.idle.pop()!, this.queue.shift()!);
  }

  private run(slot: Slot, job: Job): void {
    slot.job = job;
    slot.timer = setTimeout(() => {
      slot.ending = "timeout";
      void slot.worker.terminate();
    }, this.options.compileTimeoutMs);
    const { secrets } = job;
    const sent = secrets && { digest: secrets.digest, list: slot.secretsDigest === secrets.digest ? undefined : secrets.list };
    if (secrets) slot.secretsDigest = secrets.digest;
    slot.worker.postMessage({ certname: job.certname, facts: job.facts, at: job.at, secrets: sent } satisfies CompileRequest);
  }

  private spawn(): void {
    const worker = new Worker(WORKER_URL, {
      workerData: { siteDir: this.root, artifacts: this.options.artifacts } satisfies CompileWorkerData,
      resourceLimits: { maxOldGenerationSizeMb: this.options.compileMemoryMb },
    });
    // An idle pool does not keep the process alive; close() is still how the server ends it.
    worker.unref();
    const slot: Slot = { worker };
    this.slots.add(slot);
    // Its time is counted from when it takes a job, so loading the compiler never counts against a node.
    worker.on("message", (reply: CompileReply) => this.finished(slot, reply));
    worker.on("error", (err: Error & { code?: string }) => {
      if (err.code === "ERR_WORKER_OUT_OF_MEMORY") slot.ending = "memory";
      else slot.crash = err;
    });
    worker.on("exit", () => this.exited(slot));
  }

  private finished(slot: Slot, reply: CompileReply): void {
    const job = this.release(slot);
    if ("ready" in reply) slot.ready = true;
    else if ("result" in reply) job?.resolve(reply.result);
    else if ("error" in reply) job?.reject(new Error(`compiling ${job.certname} failed in its worker: ${reply.error}`));
    // A worker the pool is ending (its time ran out as it answered) takes no further job.
    if (!this.closed && !slot.ending) this.idle.push(slot);
    this.dispatch();
  }

  private exited(slot: Slot): void {
    this.slots.delete(slot);
    const idleAt = this.idle.indexOf(slot);
    if (idleAt >= 0) this.idle.splice(idleAt, 1);
    const job = this.release(slot);
    if (job) this.settleEnded(job, slot);
    if (this.closed) return;
    // One that could not even load (a broken install) fails what waits, rather than being started again and again.
    if (!slot.ready) for (const waiting of this.queue.splice(0)) waiting.reject(new Error(`a compile worker did not start: ${slot.crash?.message ?? "it exited"}`));
    this.dispatch();
  }

  /** A job whose worker ended under it: a limit is the site's problem, anything else the server's. */
  private settleEnded(job: Job, slot: Slot): void {
    const { compileTimeoutMs, compileMemoryMb } = this.options;
    if (slot.ending === "timeout") job.resolve(overLimit(job.certname, `exceeded ${compileTimeoutMs / 1000} s (compile_timeout_seconds)`));
    else if (slot.ending === "memory") job.resolve(overLimit(job.certname, `exceeded ${compileMemoryMb} MB of memory (compile_memory_mb)`));
    else job.reject(new Error(`the worker compiling ${job.certname} ended: ${slot.crash?.message ?? (slot.ending === "closed" ? "the server is stopping" : "no reason given")}`));
  }

  private release(slot: Slot): Job | undefined {
    clearTimeout(slot.timer);
    const job = slot.job;
    slot.job = undefined;
    return job;
  }
}

function overLimit(certname: string, what: string): CompileResult {
  return {
    ok: false,
    problems: [
      problemAtStart(
        "nodes.yaml",
        `compiling node ${certname} ${what}; the site loops or builds too much for this node (nested loops, maps in maps, large data), and the node keeps its last good catalog`,
      ),
    ],
  };
}
