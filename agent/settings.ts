// Agent settings: built-in defaults < /etc/ancla/agent.yaml (or --config) <
// what `bootstrap` recorded in the state dir < command-line flags.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { AnclaError } from "../proto/errors.js";

export const DEFAULT_CONFIG = "/etc/ancla/agent.yaml";
export const DEFAULT_STATE_DIR = "/var/lib/ancla";
export const DEFAULT_FACTS_DIR = "/etc/ancla/facts.d";

export interface AgentSettings {
  server?: string;
  certname?: string;
  stateDir: string;
  /** Seconds between runs of the daemon. */
  runInterval: number;
  /** At most this many seconds of random delay before each run, so a fleet does not check in at once. */
  splay: number;
  /** Seconds a server call may take. */
  timeout: number;
  /** Renew the agent certificate when it has fewer days left than this. */
  renewBeforeDays: number;
  /** External facts: executables and .json/.yaml files (agent/facts/external.ts). */
  factsDir: string;
}

/** What `bootstrap` records, so `run` needs no flags afterwards. */
export interface Enrollment {
  server: string;
  certname: string;
  caFingerprint: string;
}

const DEFAULTS = { runInterval: 1800, splay: 60, timeout: 30, renewBeforeDays: 30 };

export function enrollmentPath(stateDir: string): string {
  return join(stateDir, "enrollment.json");
}

export function readEnrollment(stateDir: string): Enrollment | undefined {
  const path = enrollmentPath(stateDir);
  return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as Enrollment) : undefined;
}

function readConfigFile(path: string, explicit: boolean): Record<string, unknown> {
  if (!existsSync(path)) {
    if (explicit) throw new AnclaError("ANCLA_E_CONFIG", `${path}: no such file`);
    return {};
  }
  try {
    const doc = parse(readFileSync(path, "utf8")) as unknown;
    if (doc === null || doc === undefined) return {};
    if (typeof doc !== "object" || Array.isArray(doc)) throw new Error("expected a mapping");
    return doc as Record<string, unknown>;
  } catch (err) {
    throw new AnclaError("ANCLA_E_CONFIG", `${path}: ${(err as Error).message.split("\n")[0]}`);
  }
}

function pick<T>(file: Record<string, unknown>, key: string, type: "string" | "number", path: string): T | undefined {
  const v = file[key];
  if (v === undefined) return undefined;
  if (typeof v !== type) throw new AnclaError("ANCLA_E_CONFIG", `${path}: ${key} must be a ${type}`);
  return v as T;
}

export interface SettingsFlags {
  config?: string;
  stateDir?: string;
  server?: string;
  certname?: string;
  factsDir?: string;
}

export function loadSettings(flags: SettingsFlags): AgentSettings {
  const path = flags.config ?? DEFAULT_CONFIG;
  const file = readConfigFile(path, flags.config !== undefined);
  const stateDir = flags.stateDir ?? pick<string>(file, "state_dir", "string", path) ?? DEFAULT_STATE_DIR;
  const enrolled = readEnrollment(stateDir);
  return {
    stateDir,
    server: flags.server ?? pick<string>(file, "server", "string", path) ?? enrolled?.server,
    certname: flags.certname ?? pick<string>(file, "certname", "string", path) ?? enrolled?.certname,
    runInterval: pick<number>(file, "run_interval", "number", path) ?? DEFAULTS.runInterval,
    splay: pick<number>(file, "splay", "number", path) ?? DEFAULTS.splay,
    timeout: pick<number>(file, "timeout", "number", path) ?? DEFAULTS.timeout,
    renewBeforeDays: pick<number>(file, "renew_before_days", "number", path) ?? DEFAULTS.renewBeforeDays,
    factsDir: flags.factsDir ?? pick<string>(file, "facts_dir", "string", path) ?? DEFAULT_FACTS_DIR,
  };
}
