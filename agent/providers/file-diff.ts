// The diff a report shows for a file's content change: unified, old → new,
// made by the catalog's line diff (one diff in the house), bounded in size.
// Binary or oversized content gets no diff; the digests in the event still
// say what changed. Sensitive resources lose theirs in the engine's record.
import { unifiedDiff } from "../../catalog/diff/lines.js";

/** A diff longer than this is cut at a line and marked. */
export const MAX_DIFF_BYTES = 64 * 1024;
/** Either side larger than this gets no diff (it is also more than the bucket keeps). */
export const MAX_DIFF_INPUT_BYTES = 1024 * 1024;

const decoder = new TextDecoder("utf-8", { fatal: true });

/** Unified diff of `before` → `after` with ---/+++ headers; "" when either side is missing, binary or too large. */
export function contentDiff(path: string, before: Uint8Array | undefined, after: Uint8Array): string {
  const old = text(before);
  const now = text(after);
  if (old === undefined || now === undefined) return "";
  const hunks = unifiedDiff(old, now);
  return hunks === "" ? "" : bounded(`--- ${path}\n+++ ${path}\n${hunks}`);
}

/** The content as text, or undefined when it is absent, too large, or binary (a NUL byte, or not UTF-8). */
function text(bytes: Uint8Array | undefined): string | undefined {
  if (!bytes || bytes.length > MAX_DIFF_INPUT_BYTES || bytes.includes(0)) return undefined;
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

function bounded(diff: string): string {
  const bytes = Buffer.from(diff);
  if (bytes.length <= MAX_DIFF_BYTES) return diff;
  const marker = `\\ diff truncated: ${bytes.length} bytes in all, ${MAX_DIFF_BYTES} shown at most\n`;
  const head = bytes.subarray(0, MAX_DIFF_BYTES - Buffer.byteLength(marker)).toString("utf8");
  return head.slice(0, head.lastIndexOf("\n") + 1) + marker;
}
