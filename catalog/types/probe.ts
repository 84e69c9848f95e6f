// `probes:` in a module: what the agent daemon measures between runs (an HTTP
// answer, a TCP connect, a command's exit), checked by the same engine as the
// resource types, with the probe's name as its title. Defaults: HTTP status
// 200, every 10 s, and a timeout of 5 s or the interval if that is shorter
// (an attempt longer than its interval only skips the next one, so a timeout
// past it is a mistake, refused).
import type { JsonValue, Probe } from "../model.js";
import { accept, duration, httpUrl, int, matching, nonEmptyString, reject, type Check } from "./checks.js";
import { defineType, record, type Rule } from "./define.js";
import type { ResourceTypeSchema } from "./schema.js";

export const PROBE_KINDS = ["http", "tcp", "command"] as const;
const DEFAULT_TIMEOUT_S = 5;

/** What analysis checks and SLOs name: letters, digits, ".", "_", "-"; at most 64. ReportHealth refuses any other. */
export const PROBE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const probeName = matching(PROBE_NAME, 'a probe name like "web-http" (letters, digits, ".", "_", "-"; at most 64)');

const regex: Check = (v, name) => {
  if (typeof v !== "string") return reject(name, "a regular expression", v);
  try {
    new RegExp(v);
    return accept(v);
  } catch (err) {
    return reject(name, "a regular expression", v, ` (${(err as Error).message})`);
  }
};

/** An http(s) URL that also parses as one (so its host can be checked against `local_only`). */
const probeUrl: Check = (v, name) => {
  const checked = httpUrl(v, name);
  if (!checked.ok || URL.canParse(v as string)) return checked;
  return reject(name, "a URL that parses", v);
};

const oneKind: Rule = (p) => {
  const given = PROBE_KINDS.filter((k) => p[k] !== undefined);
  return given.length === 1 ? [] : [{ property: "", message: `a probe needs exactly one of ${PROBE_KINDS.join(", ")}${given.length > 1 ? `, not ${given.join(" and ")}` : ""}` }];
};

const timeoutWithinInterval: Rule = (p) =>
  p.timeout !== undefined && (p.timeout as number) > (p.every as number)
    ? [{ property: "timeout", message: `\`timeout\` (${p.timeout}s) must not be longer than \`every\` (${p.every}s): a probe never overlaps itself` }]
    : [];

export const probeSchema: ResourceTypeSchema = defineType({
  name: "probe",
  title: probeName,
  titleKey: "name",
  properties: {
    http: {
      check: record({
        url: { check: probeUrl, required: true },
        status: { check: int(100, 599), default: 200 },
        body: { check: regex },
      }),
    },
    tcp: { check: record({ host: { check: nonEmptyString, required: true }, port: { check: int(1, 65535), required: true } }) },
    command: { check: nonEmptyString },
    every: { check: duration(1), default: 10 },
    timeout: { check: duration(1) },
  },
  rules: [oneKind, timeoutWithinInterval],
});

/** The catalog's form of properties probeSchema accepted. */
export function toProbe(name: string, p: { [key: string]: JsonValue }): Probe {
  const every = p.every as number;
  const probe: Probe = { name, every, timeout: (p.timeout as number | undefined) ?? Math.min(DEFAULT_TIMEOUT_S, every) };
  if (p.http) probe.http = p.http as Probe["http"];
  if (p.tcp) probe.tcp = p.tcp as Probe["tcp"];
  if (p.command) probe.command = { command: p.command as string };
  return probe;
}

/** The host a probe connects to; undefined for a command (it runs on the host itself). */
export function probeHost(probe: Probe): string | undefined {
  if (probe.tcp) return probe.tcp.host;
  if (probe.http) return new URL(probe.http.url).hostname.replace(/^\[(.*)\]$/, "$1");
  return undefined;
}
