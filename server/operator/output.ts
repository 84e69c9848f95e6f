// Output for the operator CLI: aligned tables for people, JSON for scripts.
import type { ParsedArgs } from "../../core/cli.js";
import { bool } from "../../core/cli.js";

export type Cell = string | number | boolean | null | undefined;

/** Columns padded to their widest cell; empty cells show as "-". */
export function table(headers: string[], rows: Cell[][]): string {
  const text = [headers, ...rows.map((r) => r.map(cell))];
  const widths = headers.map((_, i) => Math.max(...text.map((r) => r[i].length)));
  return text.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join("  ")).join("\n") + "\n";
}

function cell(v: Cell): string {
  if (v === null || v === undefined || v === "") return "-";
  return String(v);
}

/** "2026-01-02 03:04:05Z" from an ISO time: seconds are enough on a terminal. */
export function when(iso: string | null | undefined): string | undefined {
  return iso ? iso.replace("T", " ").replace(/\.\d+Z$/, "Z") : undefined;
}

/** Prints `data` as JSON with --json, otherwise the human rendering. */
export function print(args: ParsedArgs, data: unknown, human: () => string): void {
  process.stdout.write(bool(args, "json") ? JSON.stringify(data, null, 2) + "\n" : human());
}
