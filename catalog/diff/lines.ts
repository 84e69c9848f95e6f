// A unified diff of two texts, for showing how inline file content changes
// between two catalogs (the catalog diff, the dashboard, and the agent's
// changed-file report). Myers' algorithm from the `diff` package: its cost
// grows with the size times the number of edits, so a few edits in a long
// file stay a few small hunks, found fast.
import { structuredPatch } from "diff";

/**
 * Past this many edited lines Myers' search stops (its cost grows with the
 * square of the edits) and the texts are shown replaced wholesale, which is
 * what so different a pair amounts to anyway.
 */
const MAX_EDITS = 1000;

/** `diff -u` style hunks (without the ---/+++ header); empty when the texts are equal. */
export function unifiedDiff(before: string, after: string, context = 3): string {
  if (before === after) return "";
  const patch = structuredPatch("", "", before, after, undefined, undefined, { context, maxEditLength: MAX_EDITS });
  const hunks = patch?.hunks ?? [wholesale(before, after)];
  return hunks.flatMap((h) => [`@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@`, ...h.lines]).join("\n") + "\n";
}

/** One hunk removing every line of `before` and adding every line of `after`. */
function wholesale(before: string, after: string): { oldStart: number; oldLines: number; newStart: number; newLines: number; lines: string[] } {
  const old = splitLines(before);
  const now = splitLines(after);
  return { oldStart: 1, oldLines: old.length, newStart: 1, newLines: now.length, lines: [...tagged("-", old), ...tagged("+", now)] };
}

/** Lines with their line breaks kept, so a missing final newline is a difference too. */
function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

function tagged(tag: "-" | "+", lines: string[]): string[] {
  return lines.flatMap((line) => (line.endsWith("\n") ? [tag + line.slice(0, -1)] : [tag + line, "\\ No newline at end of file"]));
}

/** diff(1)'s convention, which the package leaves to its own formatter: an empty side starts at the line before it. */
function range(start: number, count: number): string {
  return `${count === 0 ? start - 1 : start},${count}`;
}
