// A unified diff of two texts, for showing how inline file content changes
// between two catalogs. Longest common subsequence over lines after trimming
// the common head and tail: catalog content is small (large content travels by
// digest), so the quadratic middle stays cheap, and a cap keeps it bounded.

export type LineOp = { tag: " " | "-" | "+"; line: string };

/** Beyond this many table cells the changed middle is shown as replaced wholesale. */
const MAX_LCS_CELLS = 4_000_000;

/** Lines with their line breaks kept, so a missing final newline is a difference too. */
export function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

export function diffLines(a: readonly string[], b: readonly string[]): LineOp[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const same = (lines: readonly string[]): LineOp[] => lines.map((line) => ({ tag: " ", line }));
  return [
    ...same(a.slice(0, head)),
    ...middle(a.slice(head, a.length - tail), b.slice(head, b.length - tail)),
    ...same(a.slice(a.length - tail)),
  ];
}

function middle(a: readonly string[], b: readonly string[]): LineOp[] {
  const removed = (line: string): LineOp => ({ tag: "-", line });
  const added = (line: string): LineOp => ({ tag: "+", line });
  if ((a.length + 1) * (b.length + 1) > MAX_LCS_CELLS) return [...a.map(removed), ...b.map(added)];
  // lcs[i][j]: length of the longest common subsequence of a[i..] and b[j..].
  const lcs = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const ops: LineOp[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      ops.push({ tag: " ", line: a[i] });
      i++;
      j++;
    } else if (lcs[i + 1][j] >= lcs[i][j + 1]) ops.push(removed(a[i++]));
    else ops.push(added(b[j++]));
  }
  return [...ops, ...a.slice(i).map(removed), ...b.slice(j).map(added)];
}

/** `diff -u` style hunks (without the ---/+++ header); empty when the texts are equal. */
export function unifiedDiff(before: string, after: string, context = 3): string {
  const ops = diffLines(splitLines(before), splitLines(after));
  const out: string[] = [];
  for (const [start, end] of hunkRanges(ops, context)) {
    const slice = ops.slice(start, end);
    const [oldStart, newStart] = positionsBefore(ops, start);
    const oldCount = slice.filter((o) => o.tag !== "+").length;
    const newCount = slice.filter((o) => o.tag !== "-").length;
    out.push(`@@ -${range(oldStart, oldCount)} +${range(newStart, newCount)} @@`);
    for (const op of slice) out.push(...renderOp(op));
  }
  return out.length === 0 ? "" : out.join("\n") + "\n";
}

/** [start, end) op indices of each hunk: changes closer than 2×context share one. */
function hunkRanges(ops: LineOp[], context: number): [number, number][] {
  const ranges: [number, number][] = [];
  ops.forEach((op, i) => {
    if (op.tag === " ") return;
    const start = Math.max(0, i - context);
    const end = Math.min(ops.length, i + context + 1);
    const last = ranges[ranges.length - 1];
    if (last && start <= last[1]) last[1] = end;
    else ranges.push([start, end]);
  });
  return ranges;
}

/** Old and new line counts consumed by the ops before `index`. */
function positionsBefore(ops: LineOp[], index: number): [number, number] {
  const before = ops.slice(0, index);
  return [before.filter((o) => o.tag !== "+").length, before.filter((o) => o.tag !== "-").length];
}

/** diff(1)'s convention: 1-based start, and for an empty side the line before it. */
function range(linesBefore: number, count: number): string {
  return `${count === 0 ? linesBefore : linesBefore + 1},${count}`;
}

function renderOp(op: LineOp): string[] {
  if (op.line.endsWith("\n")) return [op.tag + op.line.slice(0, -1)];
  return [op.tag + op.line, "\\ No newline at end of file"];
}
