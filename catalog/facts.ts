// Facts that change on every run. They are reported but never part of the
// inputs that decide whether a node's catalog must be recompiled; otherwise
// every check-in would recompile.
import type { Facts } from "./compile-seam.js";

export const VOLATILE_FACTS: readonly string[] = ["uptime_seconds"];

export function withoutVolatileFacts(facts: Facts): Facts {
  const out: Facts = { ...facts };
  for (const name of VOLATILE_FACTS) delete out[name];
  return out;
}
