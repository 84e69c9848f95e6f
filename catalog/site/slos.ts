// ancla.yaml's `slos:`: objectives over a probe, each with an error budget
// over its window (a share of attempts allowed to fail, or to be slower than
// `latency_ms`). Read with the delivery policy: an environment may freeze
// its rollouts while a budget over its nodes is spent.
import type { Node } from "yaml";
import type { Field, Reader } from "./reader.js";
import { ENVIRONMENT_NAME } from "./rules.js";
import { duration, entries, number } from "./settings-values.js";
import { whereOf, type Where } from "./yaml-file.js";
import { PROBE_NAME } from "../types/probe.js";

export interface Slo {
  name: string;
  probe: string;
  /** The percentage of good attempts promised, below 100 (e.g. 99.9). */
  objective: number;
  windowSeconds: number;
  /** A good attempt must also have been answered within this many milliseconds. */
  latencyMs?: number;
  /** The environment whose nodes it covers; none: every node. */
  environment?: string;
  where: Where;
}

const SLO_KEYS = ["probe", "objective", "window", "latency_ms", "environment"] as const;
const SLO_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const DEFAULT_WINDOW_SECONDS = 30 * 86400;
/** Health is kept (rolled up per hour) for 35 days: a longer window would be measured on what is left. */
const MAX_WINDOW_SECONDS = 35 * 86400;

export function readSlos(reader: Reader, field: Field | undefined): Map<string, Slo> {
  const out = new Map<string, Slo>();
  if (!field) return out;
  for (const [name, key, value] of entries(reader, field, "`slos`")) {
    if (!SLO_NAME.test(name)) reader.report(key, `SLO name "${name}" must be lowercase letters, digits, - and _ (at most 63)`);
    const slo = readSlo(reader, name, key, value);
    if (slo) out.set(name, slo);
  }
  return out;
}

function readSlo(reader: Reader, name: string, key: Node, value: Node | null): Slo | undefined {
  const map = reader.map(value, `SLO ${name}`, key);
  if (!map) return undefined;
  const fields = reader.fields(map, SLO_KEYS);
  let ok = true;
  const probeField = fields.get("probe");
  const probe = probeField && reader.string(probeField.value, "`probe`", probeField.key);
  if (!probeField) reader.report(key, `SLO ${name} needs \`probe\` (the probe whose attempts it counts)`);
  else if (probe !== undefined && !PROBE_NAME.test(probe)) reader.report(probeField.value ?? probeField.key, `\`probe\` must name a probe (letters, digits, ".", "_", "-"), not "${probe}"`);
  const objectiveField = fields.get("objective");
  if (!objectiveField) reader.report(key, `SLO ${name} needs \`objective\` (a percentage below 100, e.g. 99.9)`);
  const objective = objectiveField && number(reader, objectiveField, "`objective`", 1, 99.9999);
  const windowField = fields.get("window");
  const windowSeconds = windowField ? duration(reader, windowField, "`window`") : DEFAULT_WINDOW_SECONDS;
  if (windowField && windowSeconds !== undefined && (windowSeconds < 3600 || windowSeconds > MAX_WINDOW_SECONDS)) {
    reader.report(windowField.value ?? windowField.key, "`window` must be from 1h to 35d (health is kept for 35 days)");
    ok = false;
  }
  const latencyField = fields.get("latency_ms");
  const latencyMs = latencyField && number(reader, latencyField, "`latency_ms`", 0.001);
  const envField = fields.get("environment");
  const environment = envField && reader.string(envField.value, "`environment`", envField.key);
  if (environment !== undefined && !ENVIRONMENT_NAME.test(environment)) {
    reader.report(envField!.value ?? envField!.key, `\`environment\` must be an environment name (lowercase letters, digits and -), not "${environment}"`);
    ok = false;
  }
  if (!ok || probe === undefined || !PROBE_NAME.test(probe) || objective === undefined || windowSeconds === undefined) return undefined;
  if ((latencyField && latencyMs === undefined) || (envField && environment === undefined)) return undefined;
  return {
    name,
    probe,
    objective,
    windowSeconds,
    ...(latencyMs !== undefined ? { latencyMs } : {}),
    ...(environment !== undefined ? { environment } : {}),
    where: whereOf(reader.file, key),
  };
}
