// One pino logger factory for the whole server, so the gRPC side, the HTTP API
// (fastify takes the same instance) and the CLI write the same JSON lines.
import { pino, type Logger, type DestinationStream } from "pino";

export type { Logger } from "pino";

const LEVELS = new Set(["fatal", "error", "warn", "info", "debug", "trace", "silent"]);

/** The level from ANCLA_LOG_LEVEL, "info" when unset; an unknown level falls back to "info" rather than crashing the server at start. */
export function logLevelFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const level = env.ANCLA_LOG_LEVEL?.trim().toLowerCase();
  return level && LEVELS.has(level) ? level : "info";
}

/** A logger named `name`; `destination` (default stdout) lets tests capture the lines. */
export function createLogger(name = "ancla-server", options: { level?: string; destination?: DestinationStream } = {}): Logger {
  const settings = { name, level: options.level ?? logLevelFromEnv() };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}
