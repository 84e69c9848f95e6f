// One attempt of any probe, by its kind.
import type { Probe } from "../../catalog/model.js";
import { commandAttempt } from "./probe-command.js";
import { httpAttempt } from "./probe-http.js";
import { tcpAttempt } from "./probe-tcp.js";
import type { Attempt } from "./outcome.js";

export type AttemptFn = (probe: Probe) => Promise<Attempt>;

export const attemptProbe: AttemptFn = async (probe) => {
  if (probe.http) return httpAttempt(probe.http, probe.timeout);
  if (probe.tcp) return tcpAttempt(probe.tcp, probe.timeout);
  if (probe.command) return commandAttempt(probe.command, probe.timeout);
  return { outcome: "refused", latencyMs: 0, detail: `probe ${probe.name} has no http, tcp or command` };
};

/** http, tcp or command: what `probe` prints. */
export function probeKind(probe: Probe): string {
  return probe.http ? "http" : probe.tcp ? "tcp" : probe.command ? "command" : "none";
}
