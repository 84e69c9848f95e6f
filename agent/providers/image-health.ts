// The health gate of an image switch: a shell command that must exit 0, or an
// HTTP GET that must answer the expected status within max_ms. Tried again
// and again (a restarted service needs a moment) until it passes or the
// deadline passes; the last failure is the reason a rollback reports.
import { setTimeout as sleep } from "node:timers/promises";
import { describeExit, runCommand } from "./command.js";
import type { HealthProbe, HealthSpec } from "./image-spec.js";

export type HealthOutcome = { passed: true; attempts: number; seconds: number } | { passed: false; attempts: number; reason: string };

/** Pause between attempts: short at first, so a quick service commits quickly. */
const FIRST_PAUSE_MS = 200;
const MAX_PAUSE_MS = 2000;

export async function waitHealthy(health: HealthSpec, signal: AbortSignal): Promise<HealthOutcome> {
  const started = Date.now();
  const deadline = started + health.deadline * 1000;
  let pause = FIRST_PAUSE_MS;
  let reason = "no attempt finished";
  for (let attempt = 1; ; attempt++) {
    signal.throwIfAborted();
    // One attempt never outlives the deadline: a hung probe is a failed one.
    const failure = await probeOnce(health, AbortSignal.any([signal, AbortSignal.timeout(Math.max(1, deadline - Date.now()))]));
    signal.throwIfAborted();
    if (failure === undefined) return { passed: true, attempts: attempt, seconds: (Date.now() - started) / 1000 };
    reason = failure;
    if (Date.now() + pause >= deadline) return { passed: false, attempts: attempt, reason: `health check failed for ${health.deadline} s (${attempt} attempts); last: ${reason}` };
    await sleep(pause, undefined, { signal });
    pause = Math.min(pause * 2, MAX_PAUSE_MS);
  }
}

/** Undefined when the probe passed, else why not. */
async function probeOnce(probe: HealthProbe, signal: AbortSignal): Promise<string | undefined> {
  if ("command" in probe) {
    const result = await runCommand(["/bin/sh", "-c", probe.command], { signal }).catch((err: Error) => err);
    if (result instanceof Error) return signal.aborted ? `${probe.command} did not finish before the deadline` : result.message;
    return result.code === 0 ? undefined : describeExit(probe.command, result);
  }
  const { url, status, maxMs } = probe.http;
  const started = performance.now();
  try {
    const res = await fetch(url, { signal, redirect: "manual" });
    const ms = performance.now() - started;
    await res.body?.cancel();
    if (res.status !== status) return `GET ${url} answered ${res.status}, expected ${status}`;
    if (maxMs !== undefined && ms > maxMs) return `GET ${url} took ${Math.round(ms)} ms, more than ${maxMs} ms`;
    return undefined;
  } catch (err) {
    const cause = (err as Error & { cause?: Error }).cause;
    return `GET ${url} failed: ${cause?.message ?? (err as Error).message}`;
  }
}
