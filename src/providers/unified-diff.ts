/**
 * A unified diff of two texts, line by line (Myers' O(ND) algorithm), with three lines of context —
 * what a person reads before approving a file change that an agent only described by its input
 * (claude's Write and Edit carry the new text, not a patch).
 */
import { isAbsolute } from 'node:path';

const CONTEXT = 3;
/** Beyond this many differing lines the edit script is not worth its cost: show a whole replacement. */
const MAX_EDIT_DISTANCE = 1000;

type Op = { kind: ' ' | '-' | '+'; line: string };

/**
 * `before` null means the file does not exist yet. Returns null when both sides are equal.
 */
export function unifiedDiff(path: string, before: string | null, after: string): string | null {
  if (before === after) return null;
  const oldLines = splitLines(before ?? '');
  const newLines = splitLines(after);
  const ops = lineOps(oldLines, newLines);
  // git's a/ and b/ prefixes for a relative path; an absolute one is shown as it is.
  const side = (prefix: string) => (isAbsolute(path) ? path : `${prefix}/${path}`);
  const header = `--- ${before === null ? '/dev/null' : side('a')}\n+++ ${side('b')}\n`;
  return header + hunks(ops).join('');
}

/** Lines with their terminators kept apart: a missing final newline is its own marker, as in diff(1). */
function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  else lines[lines.length - 1] += '\n\\ No newline at end of file';
  return lines;
}

/** The edit script: common prefix and suffix first (most edits are local), Myers on the middle. */
function lineOps(a: string[], b: string[]): Op[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const same = (lines: string[]): Op[] => lines.map((line) => ({ kind: ' ', line }));
  return [...same(a.slice(0, start)), ...myers(a.slice(start, endA), b.slice(start, endB)), ...same(a.slice(endA))];
}

function myers(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const replaceAll = (): Op[] => [...a.map((line) => ({ kind: '-' as const, line })), ...b.map((line) => ({ kind: '+' as const, line }))];
  if (n === 0 || m === 0) return replaceAll();
  const max = Math.min(n + m, MAX_EDIT_DISTANCE);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  // trace[d] holds the frontier before step d, only its diagonals -d-1..d+1 (so memory grows with D², not D·N).
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(trace, a, b);
    }
  }
  return replaceAll();
}

/** Walks the saved frontiers from the end back to the start, emitting the script in reverse. */
function backtrack(trace: Int32Array[], a: string[], b: string[]): Op[] {
  const ops: Op[] = [];
  let x = a.length;
  let y = b.length;
  for (let d = trace.length - 1; d >= 0; d--) {
    const frontier = trace[d]!;
    const at = (k: number) => frontier[k + d + 1]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      x--;
      y--;
      ops.push({ kind: ' ', line: a[x]! });
    }
    if (d > 0) {
      if (x === prevX) ops.push({ kind: '+', line: b[--y]! });
      else ops.push({ kind: '-', line: a[--x]! });
    }
  }
  return ops.reverse();
}

/** Groups the script into hunks with CONTEXT lines around each change, merging close ones. */
function hunks(ops: Op[]): string[] {
  const out: string[] = [];
  let i = 0;
  let oldLine = 1;
  let newLine = 1;
  while (i < ops.length) {
    if (ops[i]!.kind === ' ') {
      i++;
      oldLine++;
      newLine++;
      continue;
    }
    const lead = Math.min(CONTEXT, countBack(ops, i));
    let end = i;
    // Extend over changes separated by at most 2 × CONTEXT unchanged lines.
    for (;;) {
      while (end < ops.length && ops[end]!.kind !== ' ') end++;
      let gap = 0;
      while (end + gap < ops.length && ops[end + gap]!.kind === ' ') gap++;
      if (end + gap < ops.length && gap <= 2 * CONTEXT) end += gap;
      else break;
    }
    const trail = Math.min(CONTEXT, ops.length - end);
    const slice = ops.slice(i - lead, end + trail);
    const oldCount = slice.filter((op) => op.kind !== '+').length;
    const newCount = slice.filter((op) => op.kind !== '-').length;
    const oldStart = oldLine - lead;
    const newStart = newLine - lead;
    const range = (start: number, count: number) => `${count === 0 ? start - 1 : start}${count === 1 ? '' : `,${count}`}`;
    out.push(`@@ -${range(oldStart, oldCount)} +${range(newStart, newCount)} @@\n`);
    for (const op of slice) out.push(`${op.kind}${op.line}\n`);
    for (const op of ops.slice(i, end + trail)) {
      if (op.kind !== '+') oldLine++;
      if (op.kind !== '-') newLine++;
    }
    i = end + trail;
  }
  return out;
}

function countBack(ops: Op[], i: number): number {
  let n = 0;
  while (i - n - 1 >= 0 && ops[i - n - 1]!.kind === ' ') n++;
  return n;
}
