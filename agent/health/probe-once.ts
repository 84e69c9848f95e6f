// `ancla-agent probe`: each probe of a catalog once, as the daemon would
// attempt it (attempt.ts), a few at a time (the scheduler's concurrency), with
// the outcome and latency of each in catalog order. Nothing is reported to a
// server and nothing is queued: it is for a human checking probes by hand.
import type { Probe } from "../../catalog/model.js";
import { attemptProbe, probeKind, type AttemptFn } from "./attempt.js";
import { Limiter } from "./limiter.js";
import type { Outcome } from "./outcome.js";
import { DEFAULT_CONCURRENCY } from "./scheduler.js";

export interface ProbeResult {
  name: string;
  /** http, tcp or command. */
  kind: string;
  outcome: Outcome;
  ok: boolean;
  /** Milliseconds, to 0.1; a timeout's is the probe's timeout. */
  latencyMs: number;
  /** Why it failed, in a phrase. */
  detail?: string;
}

export async function probeOnce(probes: readonly Probe[], attempt: AttemptFn = attemptProbe, concurrency = DEFAULT_CONCURRENCY): Promise<ProbeResult[]> {
  const limiter = new Limiter(concurrency);
  return Promise.all(
    probes.map((probe) =>
      limiter.run(async (): Promise<ProbeResult> => {
        const a = await attempt(probe).catch((err: unknown) => ({ outcome: "refused" as const, latencyMs: 0, detail: String((err as Error).message ?? err) }));
        return { name: probe.name, kind: probeKind(probe), outcome: a.outcome, ok: a.outcome === "ok", latencyMs: Math.round(a.latencyMs * 10) / 10, ...(a.detail ? { detail: a.detail } : {}) };
      }),
    ),
  );
}

/** One line per probe: name, kind, ok or the error's kind, latency, and why it failed. */
export function formatProbeResults(results: readonly ProbeResult[]): string {
  const width = Math.max(...results.map((r) => r.name.length));
  return results.map((r) => `${r.name.padEnd(width)}  ${r.kind.padEnd(7)}  ${r.outcome.padEnd(7)}  ${r.latencyMs.toFixed(1).padStart(8)} ms${r.detail ? `  ${r.detail}` : ""}`).join("\n");
}

/**
 * What is wrong with a catalog's probes, or undefined. A compiled catalog's
 * are checked by the compiler; a hand-written catalog file's are not, and an
 * attempt must not run with, say, no timeout.
 */
export function probesProblem(probes: unknown): string | undefined {
  if (probes === undefined) return undefined;
  if (!Array.isArray(probes)) return "probes is not a list";
  for (const [i, p] of probes.entries()) {
    const problem = probeProblem(p as Record<string, unknown>);
    if (problem) return `probes[${i}]${typeof p?.name === "string" ? ` (${p.name})` : ""}: ${problem}`;
  }
  return undefined;
}

function probeProblem(p: Record<string, unknown> | null): string | undefined {
  if (typeof p !== "object" || p === null) return "a probe is an object";
  if (typeof p.name !== "string" || p.name === "") return "needs a name";
  if (!isPositive(p.timeout)) return "needs a timeout in seconds, above 0";
  const kinds = (["http", "tcp", "command"] as const).filter((k) => p[k] !== undefined);
  if (kinds.length !== 1) return "needs exactly one of http, tcp, command";
  const spec = p[kinds[0]] as Record<string, unknown> | null;
  if (typeof spec !== "object" || spec === null) return `${kinds[0]} is not an object`;
  if (kinds[0] === "http" && (typeof spec.url !== "string" || typeof spec.status !== "number")) return "http needs a url and a status";
  if (kinds[0] === "tcp" && (typeof spec.host !== "string" || !Number.isInteger(spec.port))) return "tcp needs a host and a port";
  if (kinds[0] === "command" && typeof spec.command !== "string") return "command needs a command";
  return undefined;
}

function isPositive(v: unknown): boolean {
  return typeof v === "number" && Number.isFinite(v) && v > 0;
}
