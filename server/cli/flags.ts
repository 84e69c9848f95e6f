// Flag values both server-side CLIs (ancla-server, ancla) parse the same way.
import { str, usageError, type ParsedArgs } from "../../core/cli.js";

/** A whole-number flag within [min, max]; a usage error (exit 64) before anything runs; undefined when absent. */
export function wholeNumberFlag(args: ParsedArgs, flag: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const text = str(args, flag);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) {
    throw usageError(`--${flag} ${text}: expected a whole number ${max === Number.MAX_SAFE_INTEGER ? `from ${min}` : `from ${min} to ${max}`}`);
  }
  return n;
}
