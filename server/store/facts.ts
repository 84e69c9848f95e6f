// Facts as path/value rows: the shape a fact filter can look up by index
// ("os.family" = "debian") instead of parsing every node's facts document.

/** Rows beyond this many per node are not indexed (a pathological fact set must not bloat every check-in). */
export const MAX_FACT_ROWS = 2000;
/** Longer values are not indexed: nobody filters a fleet by a kilobyte of text. */
export const MAX_FACT_VALUE_LENGTH = 512;

/**
 * Every scalar leaf of `facts` with its dotted path (array items by index:
 * "networking.interfaces.eth0.ip", "disks.0.name") and its value as text
 * (numbers and booleans as JSON writes them). Nulls have no value to match and
 * are left out.
 */
export function flattenFacts(facts: unknown): [string, string][] {
  const rows: [string, string][] = [];
  const walk = (value: unknown, path: string): void => {
    if (rows.length >= MAX_FACT_ROWS || value === null || value === undefined) return;
    if (typeof value === "object") {
      for (const [key, child] of Object.entries(value as Record<string, unknown>)) walk(child, path ? `${path}.${key}` : key);
      return;
    }
    const text = String(value);
    if (path && text.length <= MAX_FACT_VALUE_LENGTH) rows.push([path, text]);
  };
  walk(facts, "");
  return rows;
}
