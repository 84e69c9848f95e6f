// What one probe attempt came to. Every attempt is exactly one of these, the
// kinds ProbeWindow counts: ok, or an error by kind. An attempt that got an
// answer (ok, status, body) has a latency the window's histogram records;
// a timeout or a refusal has none worth recording.
export type Outcome = "ok" | "timeout" | "refused" | "status" | "body";

export const OUTCOMES: readonly Outcome[] = ["ok", "timeout", "refused", "status", "body"];

export interface Attempt {
  outcome: Outcome;
  /** Milliseconds from the start of the attempt to its outcome. */
  latencyMs: number;
  /** Why it failed, in a phrase (`status 503, expected 200`, `ECONNREFUSED`). */
  detail?: string;
}

/** Did the attempt get an answer (its latency counts in the histogram)? */
export function answered(outcome: Outcome): boolean {
  return outcome === "ok" || outcome === "status" || outcome === "body";
}

/**
 * Socket and resolver errors that mean nothing answered: no listener, the
 * connection dropped, no route, no such name. Anything else that ends an
 * attempt without an answer (a TLS failure, a malformed response) counts as
 * refused too: the probe got no answer it could judge.
 */
const REFUSED_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
  "EADDRNOTAVAIL",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EAI_FAIL",
  "EAI_NODATA",
]);

/** An attempt that ended with a socket or resolver error. */
export function refusal(err: unknown, latencyMs: number): Attempt {
  const code = (err as { code?: unknown }).code;
  const known = typeof code === "string" && REFUSED_CODES.has(code);
  return { outcome: "refused", latencyMs, detail: known ? code : String((err as Error).message ?? err) };
}

export function timedOut(timeoutSeconds: number): Attempt {
  return { outcome: "timeout", latencyMs: timeoutSeconds * 1000, detail: `no answer within ${timeoutSeconds} s` };
}

/** Milliseconds since `start` (a performance.now() reading). */
export function since(start: number): number {
  return performance.now() - start;
}
