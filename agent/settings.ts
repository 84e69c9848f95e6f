// Agent settings: built-in defaults < what `bootstrap` recorded in the state
// dir < /etc/ancla/agent.yaml (or --config) < command-line flags. The file is
// read by the one config loader (core/config.ts) against AGENT_YAML.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig, type ConfigSchema } from "../core/config.js";

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
  /** Seconds per health window: how often the daemon sends what its probes measured. */
  healthWindow: number;
}

/** What `bootstrap` records, so `run` needs no flags afterwards. */
export interface Enrollment {
  server: string;
  certname: string;
  caFingerprint: string;
}

/** agent.yaml; the packaged file (packaging/deb/ancla-agent/agent.yaml) shows these defaults, commented. */
export const AGENT_YAML = {
  server: { field: "server", type: "string", description: "server to pull catalogs from, as HOST:PORT (bootstrap records it)" },
  certname: { field: "certname", type: "string", description: "this host's certificate name (bootstrap records it; the hostname when absent)" },
  run_interval: { field: "runInterval", type: "number", min: 1, default: 1800, description: "seconds between runs of the daemon" },
  splay: { field: "splay", type: "number", min: 0, default: 60, description: "at most this many seconds of random delay before each run" },
  timeout: { field: "timeout", type: "number", min: 1, default: 30, description: "seconds a server call may take" },
  renew_before_days: { field: "renewBeforeDays", type: "number", min: 0, default: 30, description: "renew the agent certificate when it has fewer days left than this" },
  facts_dir: { field: "factsDir", type: "string", default: DEFAULT_FACTS_DIR, description: "external facts: executables and .json/.yaml files" },
  health_window: { field: "healthWindow", type: "number", min: 1, max: 60, default: 10, description: "seconds per health window: how often the daemon sends what its probes measured" },
  state_dir: { field: "stateDir", type: "string", default: DEFAULT_STATE_DIR, description: "where the agent keeps its key, certificate, cached catalog and report queue" },
} as const satisfies ConfigSchema;

export function enrollmentPath(stateDir: string): string {
  return join(stateDir, "enrollment.json");
}

export function readEnrollment(stateDir: string): Enrollment | undefined {
  const path = enrollmentPath(stateDir);
  return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as Enrollment) : undefined;
}

export interface SettingsFlags {
  config?: string;
  stateDir?: string;
  server?: string;
  certname?: string;
  factsDir?: string;
}

export function loadSettings(flags: SettingsFlags): AgentSettings {
  // The default file need not exist (every setting has a default or comes from bootstrap); a --config one must.
  const file = loadConfig(flags.config ?? DEFAULT_CONFIG, AGENT_YAML, { missingIsEmpty: flags.config === undefined });
  const stateDir = flags.stateDir ?? file.stateDir;
  const enrolled = readEnrollment(stateDir);
  return {
    ...file,
    stateDir,
    server: flags.server ?? file.server ?? enrolled?.server,
    certname: flags.certname ?? file.certname ?? enrolled?.certname,
    factsDir: flags.factsDir ?? file.factsDir,
  };
}
