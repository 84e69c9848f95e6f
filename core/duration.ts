// Durations as people write them in flags and in the site: "30s", "15m",
// "1h", "7d" or plain seconds. One reading for both, so `--ttl 5m` and
// `wait: 5m` can never mean different things.
const UNIT_SECONDS: Record<string, number> = { "": 1, s: 1, m: 60, h: 3600, d: 86400 };

/** Seconds, or undefined when `text` is not a duration. */
export function durationSeconds(text: string): number | undefined {
  const m = /^(\d+)([smhd]?)$/.exec(text.trim());
  return m ? Number(m[1]) * UNIT_SECONDS[m[2]] : undefined;
}
